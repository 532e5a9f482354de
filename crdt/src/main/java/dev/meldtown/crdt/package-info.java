/**
 * Melda-compatible delta-state JSON CRDT: canonical JSON, delta blocks, data packs, revisions,
 * replicas and their storage adapters. Pure Java; Jackson is used for parsing only.
 */
package dev.meldtown.crdt;
