package dev.meldtown.crdt;

import static dev.meldtown.crdt.TestDocs.obj;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10 item 11 (spec §8.5–6): inputs Melda stores and then loses on read are refused with the path, before
 * anything is staged or written; the neighbouring inputs that Melda does read back keep working.
 */
class SilentLossTest {
    @TempDir
    Path tmp;
    FileStorage storage;
    Replica replica;
    List<String> files;

    @BeforeEach
    void committed() {
        storage = new FileStorage(tmp.resolve("r"));
        replica = Replica.open(storage);
        replica.update(obj("{'keep':1}"));
        replica.commit("t", "first");
        files = storage.list("");
    }

    private void refused(String doc, String... messageParts) {
        assertThatThrownBy(() -> replica.update(obj(doc))).isInstanceOf(InvalidDocumentException.class)
                .message().contains(messageParts);
        assertThat(replica.hasStagedChanges()).isFalse();
        assertThat(replica.commit("t", "nothing")).isEmpty();
        assertThat(storage.list("")).isEqualTo(files);
        assertThat(Replica.open(storage).read().get("keep").intValue()).isEqualTo(1);
    }

    private ObjectNode roundTrip(String doc) {
        assertThat(replica.update(obj(doc))).isTrue();
        replica.commit("t", "kept");
        return Replica.open(storage).read();
    }

    @Test
    void primitivesInAFlatArrayAreRefused() {
        refused("{'items\u266D':[1,'x',true]}", "number 1 at index 0 of the \u266D array at \u221A/items\u266D",
                "Melda reads only objects back");
        refused("{'items\u266D':[{'_id':'a'},'x']}", "string \"x\" at index 1 of the \u266D array at \u221A/items\u266D");
        refused("{'items\u266D':[{'_id':'a','sub\u266D':[null]}]}", "null null at index 0 of the \u266D array at \u221A/items\u266D/a/sub\u266D");
        refused("{'items\u266D':[false]}", "boolean false at index 0");
    }

    @Test
    void primitivesOutsideFlatArraysStillRoundTrip() {
        ObjectNode back = roundTrip("{'plain':[1,'x',true,null],'s\u266D':'!x','n\u266D':3,'raw':{'x\u266D':[1]}}");
        assertThat(TestDocs.canon(back)).isEqualTo("{\"_id\":\"\u221A\",\"n\u266D\":3,\"plain\":[1,\"x\",true,null],\"raw\":{\"x\u266D\":[1]},\"s\u266D\":\"!x\"}");
    }

    @Test
    void anObjectWhoseIdStartsWithBangInAFlatFieldIsRefused() {
        refused("{'o\u266D':{'_id':'!a','v':1}}", "_id !a of the object in the \u266D field at \u221A/o\u266D starts with !");
    }

    @Test
    void anObjectWhoseIdStartsWithBangInAFlatArrayReadsBackFaithfully() {
        ObjectNode back = roundTrip("{'l\u266D':[{'_id':'!a','v':1}]}");
        assertThat(TestDocs.canon(back)).isEqualTo("{\"_id\":\"\u221A\",\"l\u266D\":[{\"_id\":\"!a\",\"v\":1}]}");
    }

    @Test
    void theRootIdBelowTheRootIsRefused() {
        refused("{'l\u266D':[{'_id':'\u221A','x':1}]}", "_id \u221A is reserved for the document root, found at \u221A/l\u266D");
        refused("{'o\u266D':{'_id':'\u221A'}}", "_id \u221A is reserved");
        // the root may name itself √ explicitly
        assertThat(roundTrip("{'_id':'\u221A','a':2}").get("a").intValue()).isEqualTo(2);
    }

    @Test
    void oneIdOnTwoObjectsIsRefused() {
        refused("{'a\u266D':{'_id':'x','v':1},'b\u266D':{'_id':'x','v':2}}", "_id x is used by two objects");
        refused("{'l\u266D':[{'_id':'x'},{'_id':'x'}]}", "_id x is used by two objects (again at \u221A/l\u266D)");
        refused("{'_id':'r','l\u266D':[{'_id':'r'}]}", "_id r is used by two objects");
        // the same id in two documents one after the other is an ordinary edit
        assertThat(roundTrip("{'a\u266D':{'_id':'x','v':1}}").get("a\u266D").get("v").intValue()).isEqualTo(1);
        assertThat(roundTrip("{'b\u266D':{'_id':'x','v':2}}").get("b\u266D").get("v").intValue()).isEqualTo(2);
    }
}
