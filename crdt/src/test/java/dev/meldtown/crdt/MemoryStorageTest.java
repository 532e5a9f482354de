package dev.meldtown.crdt;

class MemoryStorageTest extends StorageConformanceTest {
    @Override
    protected ReplicaStorage newStorage() {
        return new MemoryStorage();
    }
}
