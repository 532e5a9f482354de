package dev.meldtown.crdt;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.UUID;

/**
 * Melda's filesystem layout: key {@code K} at {@code <root>/<K[0..2]>/<K>}. Unlike Melda, writes go to a hidden
 * temp name in the same directory and are published with a hard link (atomic and never replaces an existing
 * file; falls back to an atomic rename where links are unsupported), and listing ignores foreign entries
 * (regular files in the root, hidden or temp files, directories whose name is not two characters).
 */
public final class FileStorage implements ReplicaStorage {
    private final Path root;

    public FileStorage(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    public Path root() {
        return root;
    }

    private Path path(String key) {
        ReplicaStorage.checkKey(key);
        return root.resolve(key.substring(0, 2)).resolve(key);
    }

    @Override
    public byte[] read(String key) {
        try {
            return Files.readAllBytes(path(key));
        } catch (NoSuchFileException e) {
            throw new MissingKeyException(key);
        } catch (IOException e) {
            throw new StorageException("cannot read " + key + " in " + root + ": " + e.getMessage(), e);
        }
    }

    @Override
    public byte[] read(String key, long offset, int length) {
        if (offset == 0 && length == 0) {
            return read(key);
        }
        Path p = path(key);
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "r")) {
            if (offset < 0 || length < 0 || offset + length > f.length()) {
                throw new StorageException("range " + offset + "+" + length + " outside " + key + " (" + f.length() + " bytes)");
            }
            byte[] out = new byte[length];
            f.seek(offset);
            f.readFully(out);
            return out;
        } catch (java.io.FileNotFoundException e) {
            throw new MissingKeyException(key);
        } catch (IOException e) {
            throw new StorageException("cannot read " + key + " in " + root + ": " + e.getMessage(), e);
        }
    }

    @Override
    public boolean write(String key, byte[] data) {
        Path target = path(key);
        if (Files.exists(target)) {
            return false;
        }
        Path tmp = null;
        try {
            Files.createDirectories(target.getParent());
            // Hidden and suffixed so that no lister (ours or Melda's meld) takes it for a block or pack.
            tmp = target.resolveSibling("." + key + "." + UUID.randomUUID() + ".tmp");
            Files.write(tmp, data);
            try {
                Files.createLink(target, tmp);
                return true;
            } catch (FileAlreadyExistsException e) {
                return false;
            } catch (UnsupportedOperationException | IOException linkUnsupported) {
                if (Files.exists(target)) {
                    return false;
                }
                Files.move(tmp, target, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                tmp = null;
                return true;
            }
        } catch (IOException e) {
            throw new StorageException("cannot write " + key + " in " + root + ": " + e.getMessage(), e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // a leftover hidden temp file is harmless: listing skips it
                }
            }
        }
    }

    @Override
    public List<String> list(String suffix) {
        List<String> out = new ArrayList<>();
        if (!Files.isDirectory(root)) {
            return out;
        }
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(root)) {
            for (Path dir : dirs) {
                String dn = dir.getFileName().toString();
                if (dn.length() != 2 || dn.startsWith(".") || !Files.isDirectory(dir)) {
                    continue;
                }
                try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
                    for (Path f : files) {
                        String n = f.getFileName().toString();
                        if (!n.startsWith(".") && n.startsWith(dn) && n.endsWith(suffix) && Files.isRegularFile(f)) {
                            out.add(n.substring(0, n.length() - suffix.length()));
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new StorageException("cannot list " + root + ": " + e.getMessage(), e);
        }
        out.sort(null);
        return out;
    }

    @Override
    public boolean exists(String key) {
        return Files.isRegularFile(path(key));
    }

    @Override
    public OptionalLong size(String key) {
        try {
            return OptionalLong.of(Files.size(path(key)));
        } catch (NoSuchFileException e) {
            return OptionalLong.empty();
        } catch (IOException e) {
            throw new StorageException("cannot stat " + key + " in " + root + ": " + e.getMessage(), e);
        }
    }

    /**
     * From another file storage: a hard link to the source file (files are write-once, so sharing the inode is
     * safe), which never replaces an existing file; across file systems, or where links are unsupported, the bytes
     * are written as by {@link #write}.
     */
    @Override
    public boolean copy(ReplicaStorage source, String key) {
        if (!(source instanceof FileStorage other)) {
            return ReplicaStorage.super.copy(source, key);
        }
        Path target = path(key);
        Path from = other.path(key);
        if (!Files.isRegularFile(from)) {
            throw new MissingKeyException(key);
        }
        if (Files.exists(target)) {
            return false;
        }
        try {
            Files.createDirectories(target.getParent());
            Files.createLink(target, from);
            return true;
        } catch (FileAlreadyExistsException e) {
            return false;
        } catch (NoSuchFileException e) {
            throw new MissingKeyException(key);
        } catch (UnsupportedOperationException | IOException linkFailed) {
            return write(key, other.read(key));
        }
    }

    @Override
    public String toString() {
        return "file://" + root;
    }
}
