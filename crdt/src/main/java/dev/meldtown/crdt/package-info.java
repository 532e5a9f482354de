/**
 * Melda-compatible delta-state JSON CRDT (on-disk generation C, as written by libmelda-tools 0.2.0),
 * implemented from the format specification. Pure Java; Jackson is used for parsing only.
 *
 * <ul>
 *   <li>{@link dev.meldtown.crdt.Replica}: update / commit / refresh / meld / read / readAt / log / conflicts /
 *       resolve / history / value.</li>
 *   <li>{@link dev.meldtown.crdt.ReplicaStorage} with {@link dev.meldtown.crdt.MemoryStorage},
 *       {@link dev.meldtown.crdt.FileStorage} and {@link dev.meldtown.crdt.FlateStorage};
 *       {@link dev.meldtown.crdt.StorageUrls} resolves URLs, extended through
 *       {@link dev.meldtown.crdt.StorageProvider} (explicit registration or ServiceLoader).</li>
 *   <li>Read-only format values: {@link dev.meldtown.crdt.CanonicalJson} (serde_json-identical bytes),
 *       {@link dev.meldtown.crdt.DeltaBlock}, {@link dev.meldtown.crdt.Revision}; {@link dev.meldtown.crdt.Checkpoint}.</li>
 *   <li>{@link dev.meldtown.crdt.UploadedFile#validate}: the one check of a file received from elsewhere.</li>
 *   <li>Everything else lives in {@code dev.meldtown.crdt.internal}, which other modules must not use (see
 *       README.md, "Public API and internals").</li>
 *   <li>Errors: {@link dev.meldtown.crdt.MeldaException} and its subclasses; nothing is meant to surface as an
 *       untyped runtime crash.</li>
 * </ul>
 *
 * <p>Deliberate deviations from Melda (its spec §8 defects): JSON-aware pack scanning plus an index for packs
 * with braces inside strings; unchanged ♭ arrays are no change; commit after a divergent meld auto-resolves
 * descriptors without a deadlock; several id-less objects in one ♭ array are rejected; corrupt patches and
 * unknown descriptors raise {@link dev.meldtown.crdt.CorruptDataException} (a deleted descriptor reads as []);
 * file writes are atomic and foreign files are ignored; only a lone charcode {@code #} field is used as digest;
 * resolving towards a deleted leaf keeps the object deleted (Melda re-creates it as {@code {"_deleted":true}});
 * documents beyond {@link dev.meldtown.crdt.DocumentLimits} (deeper than 126 levels: their pack would be unreadable)
 * and inputs Melda would store and lose (primitives in a ♭ array, a {@code !} id in a ♭ field, {@code √} below the
 * root, one id on two objects) are refused; a pack that is not a JSON array of objects is refused. See README.md.
 */
package dev.meldtown.crdt;
