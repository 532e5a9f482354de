package dev.meldtown.crdt;

class MemoryStorageTest extends ByteStorageConformanceTest {
    @Override
    protected ReplicaStorage newStorage() {
        return new MemoryStorage();
    }
}
