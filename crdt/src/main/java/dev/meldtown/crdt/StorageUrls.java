package dev.meldtown.crdt;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Resolves replica URLs to storages. Built in: {@code memory://} (a fresh store each time; {@code memory://name}
 * is a store shared by name within this JVM), {@code file:///abs/dir} and {@code <scheme>+flate://…}. More
 * schemes come from {@link StorageProvider}s, registered explicitly or found with {@link ServiceLoader}.
 * Unlike Melda, file paths are percent-decoded and relative {@code file:} URLs are rejected with a clear error.
 */
public final class StorageUrls {
    private static final Map<String, StorageProvider> PROVIDERS = new ConcurrentHashMap<>();
    private static final Map<String, MemoryStorage> NAMED_MEMORY = new ConcurrentHashMap<>();
    private static volatile boolean serviceLoaded;

    static {
        register(new StorageProvider() {
            @Override
            public Set<String> schemes() {
                return Set.of("memory");
            }

            @Override
            public ReplicaStorage open(URI url) {
                String name = url.getAuthority();
                if (name == null || name.isEmpty()) {
                    return new MemoryStorage();
                }
                return NAMED_MEMORY.computeIfAbsent(name, n -> new MemoryStorage());
            }
        });
        register(new StorageProvider() {
            @Override
            public Set<String> schemes() {
                return Set.of("file");
            }

            @Override
            public ReplicaStorage open(URI url) {
                String path = url.getPath();
                if (url.getAuthority() != null && !url.getAuthority().isEmpty() && !"localhost".equals(url.getAuthority())) {
                    throw new InvalidUrlException("file URL must be absolute (file:///abs/dir), got " + url
                            + "; a relative path would be read as host '" + url.getAuthority() + "'");
                }
                if (path == null || !path.startsWith("/")) {
                    throw new InvalidUrlException("file URL must be absolute (file:///abs/dir), got " + url);
                }
                return new FileStorage(Path.of(path));
            }
        });
    }

    private StorageUrls() {
    }

    /** Registers (or replaces) the provider for each of its schemes. */
    public static void register(StorageProvider provider) {
        for (String s : provider.schemes()) {
            PROVIDERS.put(s.toLowerCase(Locale.ROOT), provider);
        }
    }

    /** Registers {@code provider} for a single scheme. */
    public static void register(String scheme, StorageProvider provider) {
        PROVIDERS.put(scheme.toLowerCase(Locale.ROOT), provider);
    }

    /** Schemes currently known (after ServiceLoader discovery). */
    public static Set<String> schemes() {
        loadServices();
        return Set.copyOf(PROVIDERS.keySet());
    }

    /**
     * Opens the storage for a replica URL.
     *
     * @throws InvalidUrlException if the URL is malformed or its scheme unknown
     */
    public static ReplicaStorage open(String url) {
        Resolved r = resolve(url);
        return r.flate() ? new FlateStorage(r.provider().open(r.uri())) : r.provider().open(r.uri());
    }

    /**
     * The limits a document written to the replica at {@code url} must keep: its scheme's
     * {@link StorageProvider#documentLimits()} ({@code <scheme>+flate} has those of {@code <scheme>}). Nothing is opened.
     *
     * @throws InvalidUrlException if the URL is malformed or its scheme unknown
     */
    public static DocumentLimits documentLimits(String url) {
        return resolve(url).provider().documentLimits();
    }

    /** The provider for a URL, the URI it is given, and whether the storage is wrapped in {@link FlateStorage}. */
    private record Resolved(StorageProvider provider, URI uri, boolean flate) {
    }

    private static Resolved resolve(String url) {
        URI uri;
        try {
            // java.net.URI rejects an empty authority ("memory://"); an empty path means the same thing
            uri = new URI(url != null && url.endsWith("://") ? url + "/" : url);
        } catch (URISyntaxException e) {
            throw new InvalidUrlException("invalid replica URL " + url + ": " + e.getMessage());
        }
        if (uri.getScheme() == null) {
            throw new InvalidUrlException("replica URL needs a scheme (memory://, file:///abs, file+flate:///abs, …): " + url);
        }
        String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
        String base = scheme.endsWith("+flate") ? scheme.substring(0, scheme.length() - "+flate".length()) : scheme;
        if (!PROVIDERS.containsKey(scheme) && !PROVIDERS.containsKey(base)) {
            // Other schemes' providers (S3, the hub) and their SDKs are loaded only when such a URL is used: a
            // file:// command starts without them.
            loadServices();
        }
        StorageProvider p = PROVIDERS.get(scheme);
        if (p != null) {
            return new Resolved(p, uri, false);
        }
        if (scheme.endsWith("+flate")) {
            StorageProvider bp = PROVIDERS.get(base);
            if (bp != null) {
                return new Resolved(bp, withScheme(uri, base), true);
            }
        }
        throw new InvalidUrlException("unsupported replica URL scheme '" + scheme + "' in " + url + "; known: " + schemes());
    }

    private static URI withScheme(URI uri, String scheme) {
        try {
            return new URI(scheme + ":" + uri.getRawSchemeSpecificPart()
                    + (uri.getRawFragment() == null ? "" : "#" + uri.getRawFragment()));
        } catch (URISyntaxException e) {
            throw new InvalidUrlException("invalid replica URL " + uri + ": " + e.getMessage());
        }
    }

    private static void loadServices() {
        if (serviceLoaded) {
            return;
        }
        synchronized (StorageUrls.class) {
            if (serviceLoaded) {
                return;
            }
            for (StorageProvider p : ServiceLoader.load(StorageProvider.class, StorageUrls.class.getClassLoader())) {
                for (String s : p.schemes()) {
                    PROVIDERS.putIfAbsent(s.toLowerCase(Locale.ROOT), p);
                }
            }
            ClassLoader ctx = Thread.currentThread().getContextClassLoader();
            if (ctx != null && ctx != StorageUrls.class.getClassLoader()) {
                for (StorageProvider p : ServiceLoader.load(StorageProvider.class, ctx)) {
                    for (String s : p.schemes()) {
                        PROVIDERS.putIfAbsent(s.toLowerCase(Locale.ROOT), p);
                    }
                }
            }
            serviceLoaded = true;
        }
    }
}
