package dev.meldtown.blockstore;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meldtown.blockstore.internal.DocumentTag;
import dev.meldtown.blockstore.internal.Documents;
import dev.meldtown.blockstore.internal.Files;
import dev.meldtown.blockstore.internal.MeldRequests;
import dev.meldtown.blockstore.internal.Names;
import dev.meldtown.blockstore.internal.Quotas;
import dev.meldtown.blockstore.internal.ScopeDeletions;
import dev.meldtown.crdt.ReplicaStorage;
import dev.meldtown.model.DocRef;
import dev.meldtown.model.DocumentSettings;
import dev.meldtown.model.ReplicaRef;
import dev.meldtown.model.Scope;
import dev.meldtown.service.Access;
import dev.meldtown.service.ProblemException;
import dev.meldtown.service.Role;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HEAD;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.headers.Header;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** Contracts §2.1: documents, their replicas' Melda files, and Melda's verbs run server-side. */
@Path("/v1/tenants/{tenant}/docs/{doc}")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "documents")
public class DocumentsResource {
    private static final Set<String> SUFFIXES = Set.of("", ".delta", ".pack", ".index");
    static final int MAX_LIMIT = 1000;

    @Inject
    Access access;

    @Inject
    Documents documents;

    @Inject
    Files files;

    @Inject
    MeldRequests melds;

    @Inject
    ScopeDeletions deletions;

    @Inject
    Quotas quotas;

    @PathParam("tenant")
    String tenant;

    @PathParam("doc")
    String doc;

    public record SettingsRequest(String compression, String conflictPolicy) {
    }

    /** What {@code GET} (base) answers. */
    @Schema(name = "Document")
    public record DocumentView(String tenant, String doc, String compression, String conflictPolicy, List<String> replicas) {
    }

    @Schema(name = "FileStored")
    public record FileStored(String key, String replica, boolean created) {
    }

    @Schema(name = "FileList")
    public record FileList(List<String> keys, @Schema(nullable = true, description = "the last key of this page, null on the last page") String next) {
    }

    @Schema(name = "Committed")
    public record Committed(@Schema(nullable = true, description = "the new block, null when nothing changed") String block) {
    }

    @Schema(name = "Resolved")
    public record Resolved(@Schema(nullable = true) String block, @Schema(type = SchemaType.ARRAY, implementation = Object.class) List<ReplicaViews.ResolutionView> resolved) {
    }

    @Schema(name = "MeldAccepted")
    public record MeldAccepted(String requestId) {
    }

    @PUT
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Create or update a document's settings (writer)")
    @APIResponse(responseCode = "201", description = "The document was created", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = DocumentView.class)))
    @APIResponse(responseCode = "200", description = "The settings were updated", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = DocumentView.class)))
    @APIResponse(responseCode = "409", description = "compression cannot change once replicas exist")
    @APIResponse(responseCode = "404", description = "No such route")
    @APIResponse(responseCode = "413", description = "A new document would exceed the tenant's maxDocuments quota (type quota-documents)")
    @APIResponse(responseCode = "429", description = "The tenant's writesPerSecond limit: retry after Retry-After seconds (type quota-writes-per-second)")
    public Response putSettings(SettingsRequest body) {
        write();
        if (body == null) {
            throw badRequest("a JSON object with compression and conflictPolicy is required");
        }
        DocumentSettings settings;
        try {
            // an absent field takes its default (DocumentSettings)
            settings = new DocumentSettings(body.compression() == null ? null : DocumentSettings.Compression.parse(body.compression()),
                    body.conflictPolicy() == null ? null : DocumentSettings.ConflictPolicy.parse(body.conflictPolicy()));
        } catch (IllegalArgumentException e) {
            throw badRequest(e.getMessage());
        }
        quotas.requireDocument(DocRef.of(tenant, doc));
        boolean created = documents.putSettings(tenant, doc, settings);
        quotas.documentWritten(DocRef.of(tenant, doc));
        return Response.status(created ? 201 : 200).entity(describe()).build();
    }

    @GET
    @Operation(summary = "Settings plus replica list (reader)")
    @APIResponse(responseCode = "200", description = "The document", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = DocumentView.class)))
    @APIResponse(responseCode = "404", description = "No such document")
    public DocumentView getDocument() {
        check(Role.READER);
        if (!documents.exists(tenant, doc)) {
            throw new ProblemException(404, "not-found", "Not Found", "no document " + doc + " in tenant " + tenant);
        }
        return describe();
    }

    @DELETE
    @Operation(summary = "Delete the document and everything in it (admin): 202 at once, its objects are removed in the background")
    @APIResponse(responseCode = "202", description = "Accepted (or already deleted: its state)", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Deletion.class)))
    @APIResponse(responseCode = "404", description = "No such document")
    public Response deleteDocument() {
        String caller = check(Role.ADMIN);
        return Response.accepted(Deletion.of(deletions.request(Scope.of(DocRef.of(tenant, doc)), caller))).build();
    }

    @DELETE
    @Path("/replicas/{replica}")
    @Operation(summary = "Delete one replica: its files, read checkpoints and outbox entries (admin): 202 at once")
    @APIResponse(responseCode = "202", description = "Accepted (or already deleted: its state)", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Deletion.class)))
    @APIResponse(responseCode = "404", description = "No such replica")
    @APIResponse(responseCode = "409", description = "The hub replica goes only with its document")
    public Response deleteReplica(@PathParam("replica") String replica) {
        String caller = check(Role.ADMIN);
        Names.name("replica", replica);
        return Response.accepted(Deletion.of(deletions.request(Scope.of(ReplicaRef.of(tenant, doc, replica)), caller))).build();
    }

    /** What a deletion answers (issue 14). */
    @Schema(name = "Deletion")
    public record Deletion(@Schema(enumeration = {"tenant", "document", "replica"}) String scope, String tenant,
                           @Schema(nullable = true) String doc, @Schema(nullable = true) String replica,
                           @Schema(enumeration = {"pending", "done"}) String state, String requestedAt,
                           @Schema(nullable = true) String doneAt) {
        static Deletion of(ScopeDeletions.Accepted a) {
            return new Deletion(a.scope(), a.tenant(), a.doc(), a.replica(), a.state(), String.valueOf(a.requestedAt()),
                    a.doneAt() == null ? null : a.doneAt().toString());
        }
    }

    @PUT
    @Path("/replicas/{replica}/files/{key}")
    @Consumes(MediaType.WILDCARD)
    @Operation(summary = "Upload one Melda file (writer): 201 new, 200 identical")
    @APIResponse(responseCode = "201", description = "Stored", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = FileStored.class)))
    @APIResponse(responseCode = "200", description = "The same bytes were already stored", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = FileStored.class)))
    @APIResponse(responseCode = "409", description = "A delta whose packs are missing, or an index with different content")
    @APIResponse(responseCode = "422", description = "Hash mismatch, invalid UTF-8, or not a valid block, pack or index")
    @APIResponse(responseCode = "404", description = "No such route")
    @APIResponse(responseCode = "413", description = "The file is larger than the per-file limit, or would exceed the tenant's maxBytes or maxDocuments quota (type quota-bytes, quota-documents)")
    @APIResponse(responseCode = "429", description = "The tenant's writesPerSecond limit: retry after Retry-After seconds (type quota-writes-per-second)")
    public Response putFile(@PathParam("replica") String replica, @PathParam("key") String key, InputStream body) {
        write();
        Names.name("replica", replica);
        Names.key(key);
        boolean created = files.put(tenant, doc, replica, key, body);
        return Response.status(created ? 201 : 200).entity(new FileStored(key, replica, created)).build();
    }

    @GET
    @Path("/replicas/{replica}/files/{key}")
    @Produces({MediaType.APPLICATION_OCTET_STREAM, MediaType.APPLICATION_JSON})
    @Operation(summary = "The uncompressed bytes of a file; Range supported (reader)")
    @APIResponse(responseCode = "200", description = "The file", content = @Content(mediaType = MediaType.APPLICATION_OCTET_STREAM,
            schema = @Schema(type = SchemaType.STRING, format = "binary")))
    @APIResponse(responseCode = "206", description = "The requested range", content = @Content(mediaType = MediaType.APPLICATION_OCTET_STREAM,
            schema = @Schema(type = SchemaType.STRING, format = "binary")))
    @APIResponse(responseCode = "404", description = "No such file")
    @APIResponse(responseCode = "416", description = "The range is invalid or outside the file")
    public Response getFile(@PathParam("replica") String replica, @PathParam("key") String key, @HeaderParam("Range") String range) {
        check(Role.READER);
        return file(files.read(tenant, doc, Names.name("replica", replica), Names.key(key), range), true);
    }

    @HEAD
    @Path("/replicas/{replica}/files/{key}")
    @Produces({MediaType.APPLICATION_OCTET_STREAM, MediaType.APPLICATION_JSON})
    @Operation(summary = "Size of a file (reader)")
    // the headers of the GET, so the same content type (found by SchemathesisTest: it was documented as JSON)
    @APIResponse(responseCode = "200", description = "The file exists", content = @Content(mediaType = MediaType.APPLICATION_OCTET_STREAM,
            schema = @Schema(type = SchemaType.STRING, format = "binary")))
    @APIResponse(responseCode = "206", description = "The requested range exists", content = @Content(mediaType = MediaType.APPLICATION_OCTET_STREAM,
            schema = @Schema(type = SchemaType.STRING, format = "binary")))
    @APIResponse(responseCode = "404", description = "No such file")
    @APIResponse(responseCode = "416", description = "The range is invalid or outside the file")
    public Response headFile(@PathParam("replica") String replica, @PathParam("key") String key, @HeaderParam("Range") String range) {
        check(Role.READER);
        return file(files.read(tenant, doc, Names.name("replica", replica), Names.key(key), range), false);
    }

    /** 200 with the whole file, or 206 with the part a range asked for; no body for a HEAD. */
    private static Response file(Files.FileContent f, boolean withBody) {
        Response.ResponseBuilder r = f.partial()
                ? Response.status(206).header("Content-Range", "bytes " + f.first() + "-" + f.last() + "/" + f.size())
                : Response.ok();
        return r.entity(withBody ? f.bytes() : null).type(MediaType.APPLICATION_OCTET_STREAM)
                .header("Content-Length", f.bytes().length).header("Accept-Ranges", "bytes").build();
    }

    @GET
    @Path("/replicas/{replica}/files")
    @Operation(summary = "List file keys by suffix, paginated (reader)")
    @APIResponse(responseCode = "200", description = "A page of keys", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = FileList.class)))
    @APIResponse(responseCode = "404", description = "No such route")
    public FileList listFiles(@PathParam("replica") String replica, @QueryParam("suffix") @DefaultValue("") String suffix,
                                         @QueryParam("startAfter") String startAfter,
                                         @QueryParam("limit") @Schema(type = SchemaType.INTEGER, minimum = "1", maximum = "1000", defaultValue = "1000") String limitParam) {
        check(Role.READER);
        Names.name("replica", replica);
        if (!SUFFIXES.contains(suffix)) {
            throw badRequest("suffix must be one of .delta, .pack, .index (or empty), got '" + suffix + "'");
        }
        int limit = limit(limitParam);
        List<String> keys;
        // One key beyond the page tells whether there is a next page; S3 lists only about this page.
        try (ReplicaStorage storage = documents.storage(tenant, doc, replica)) {
            keys = new ArrayList<>(storage.listPage(suffix, startAfter, limit + 1));
        }
        String next = null;
        if (keys.size() > limit) {
            keys = new ArrayList<>(keys.subList(0, limit));
            next = keys.get(limit - 1);
        }
        return new FileList(keys, next);
    }

    public record CommitRequest(JsonNode document, String author, String description) {
    }

    @POST
    @Path("/replicas/{replica}/commits")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Melda update + commit on the server (writer): 201 with the block, 200 with null when nothing changed")
    @APIResponse(responseCode = "201", description = "Committed", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Committed.class)))
    @APIResponse(responseCode = "200", description = "Nothing changed (block is null)", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Committed.class)))
    @APIResponse(responseCode = "422", description = "document is not a JSON object, or not a valid Melda document")
    @APIResponse(responseCode = "400", description = "If-Match or If-None-Match is not * or a list of entity tags (type invalid-precondition)")
    @APIResponse(responseCode = "404", description = "No such route")
    @APIResponse(responseCode = "412", description = "If-Match or If-None-Match does not hold for the replica's current document, whose ETag the problem carries (type precondition-failed)")
    @APIResponse(responseCode = "413", description = "The tenant is at its maxBytes quota, or the document would exceed maxDocuments (type quota-bytes, quota-documents)")
    @APIResponse(responseCode = "429", description = "The tenant's writesPerSecond limit: retry after Retry-After seconds (type quota-writes-per-second)")
    public Response commit(@PathParam("replica") String replica,
                           @Parameter(description = "Commit only if the replica's document still has one of these ETags (from a GET of the document), or * for any existing document")
                           @HeaderParam("If-Match") String ifMatch,
                           @Parameter(description = "Commit only if the replica's document has none of these ETags, or * for a replica with no document yet")
                           @HeaderParam("If-None-Match") String ifNoneMatch,
                           CommitRequest body) {
        String caller = write();
        Names.name("replica", replica);
        DocumentTag.Precondition precondition = DocumentTag.Precondition.of(ifMatch, ifNoneMatch);
        if (body == null || body.document() == null || !body.document().isObject()) {
            throw new ProblemException(422, "invalid-document", "Invalid document", "document must be a JSON object");
        }
        String author = body.author() == null ? caller : body.author();
        quotas.requireDocument(DocRef.of(tenant, doc));
        quotas.requireRoom(tenant, 0); // the commit's size is known only once it is made: refused at the limit
        Optional<String> block = documents.commit(tenant, doc, replica, (ObjectNode) body.document(), author, body.description(), precondition);
        if (block.isPresent()) {
            quotas.documentWritten(DocRef.of(tenant, doc));
        }
        return Response.status(block.isPresent() ? 201 : 200).entity(new Committed(block.orElse(null))).build();
    }

    @GET
    @Path("/replicas/{replica}/document")
    @Operation(summary = "Melda read, optionally as of a block (reader); the ETag names the document for a commit's If-Match")
    @APIResponse(responseCode = "200", description = "The document", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(type = SchemaType.OBJECT)),
            headers = @Header(name = "ETag", description = "The document's entity tag (SHA-256 of its canonical JSON)", schema = @Schema(type = SchemaType.STRING)))
    @APIResponse(responseCode = "404", description = "The block is not in the replica")
    public Response read(@PathParam("replica") String replica, @QueryParam("block") String block) {
        check(Role.READER);
        Names.name("replica", replica);
        if (block != null) {
            Names.block(block);
        }
        JsonNode document = block == null ? documents.readState(tenant, doc, replica, s -> s.read(), r -> r.read())
                : documents.withReplica(tenant, doc, replica, r -> {
                    if (!r.appliedBlocks().contains(block)) {
                        throw new ProblemException(404, "unknown-block", "Unknown block", "block " + block + " is not in replica " + replica);
                    }
                    return r.readAt(block);
                });
        return Response.ok(document).header("ETag", DocumentTag.of(document)).build();
    }

    @GET
    @Path("/replicas/{replica}/log")
    @Operation(summary = "Melda log (reader)")
    @APIResponse(responseCode = "200", description = "Log entries, newest first", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(type = SchemaType.ARRAY, implementation = Object.class)))
    @APIResponse(responseCode = "404", description = "No such route")
    public List<ReplicaViews.LogView> log(@PathParam("replica") String replica) {
        check(Role.READER);
        return documents.withReplica(tenant, doc, Names.name("replica", replica), r -> ReplicaViews.log(r.log()));
    }

    @GET
    @Path("/replicas/{replica}/conflicts")
    @Operation(summary = "Melda conflicts (reader)")
    @APIResponse(responseCode = "200", description = "Conflicting objects", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(type = SchemaType.ARRAY, implementation = Object.class)))
    @APIResponse(responseCode = "404", description = "No such route")
    public List<ReplicaViews.ConflictView> conflicts(@PathParam("replica") String replica) {
        check(Role.READER);
        return documents.readState(tenant, doc, Names.name("replica", replica), s -> ReplicaViews.conflicts(s.conflicts()),
                r -> ReplicaViews.conflicts(r.conflicts()));
    }

    @GET
    @Path("/replicas/{replica}/objects/{uuid}/history")
    @Operation(summary = "Melda history of one object (reader)")
    @APIResponse(responseCode = "200", description = "Revisions of the object", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(type = SchemaType.ARRAY, implementation = Object.class)))
    @APIResponse(responseCode = "404", description = "Unknown object")
    public List<String> history(@PathParam("replica") String replica, @PathParam("uuid") String uuid) {
        check(Role.READER);
        return documents.withReplica(tenant, doc, Names.name("replica", replica), r -> ReplicaViews.history(r.history(uuid)));
    }

    @GET
    @Path("/replicas/{replica}/objects/{uuid}/value")
    @Operation(summary = "Melda value of one object at the winner or a revision (reader)")
    @APIResponse(responseCode = "200", description = "The value (any JSON)", content = @Content(mediaType = MediaType.APPLICATION_JSON))
    @APIResponse(responseCode = "404", description = "Unknown object")
    @APIResponse(responseCode = "422", description = "Invalid revision")
    public JsonNode value(@PathParam("replica") String replica, @PathParam("uuid") String uuid, @QueryParam("revision") String revision) {
        check(Role.READER);
        // a superseded revision is the history's: the state answers null and the replica replays
        return documents.readState(tenant, doc, Names.name("replica", replica), s -> s.value(uuid, revision).orElse(null),
                r -> r.value(uuid, revision));
    }

    public record ResolveRequest(String object, String winner) {
    }

    @POST
    @Path("/replicas/{replica}/resolve")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Melda resolve + commit (writer)")
    @APIResponse(responseCode = "200", description = "Resolved (block is null when nothing changed)", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Resolved.class)))
    @APIResponse(responseCode = "404", description = "Unknown object")
    @APIResponse(responseCode = "422", description = "Invalid revision")
    @APIResponse(responseCode = "413", description = "The tenant is at its maxBytes quota (type quota-bytes)")
    @APIResponse(responseCode = "429", description = "The tenant's writesPerSecond limit: retry after Retry-After seconds (type quota-writes-per-second)")
    public Resolved resolve(@PathParam("replica") String replica, ResolveRequest body) {
        String caller = write();
        Names.name("replica", replica);
        ResolveRequest request = body == null ? new ResolveRequest(null, null) : body;
        if (request.winner() != null && request.object() == null) {
            throw badRequest("winner needs object");
        }
        quotas.requireRoom(tenant, 0);
        Documents.Resolved resolved = documents.resolve(tenant, doc, replica, request.object(), request.winner(), caller);
        return new Resolved(resolved.block().orElse(null), ReplicaViews.resolutions(resolved.resolutions()));
    }

    public record MeldRequest(String source) {
    }

    @POST
    @Path("/replicas/{target}/meld")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Ask the merge-service to meld source into target (writer): 202 with a requestId")
    @APIResponse(responseCode = "202", description = "Accepted: merge.requested is published", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = MeldAccepted.class)))
    @APIResponse(responseCode = "404", description = "No such route")
    @APIResponse(responseCode = "413", description = "The tenant is at its maxBytes quota (type quota-bytes)")
    @APIResponse(responseCode = "429", description = "The tenant's writesPerSecond limit: retry after Retry-After seconds (type quota-writes-per-second)")
    public Response meld(@PathParam("target") String target, MeldRequest body) {
        write();
        Names.name("replica", target);
        if (body == null) {
            throw badRequest("a JSON object with source is required");
        }
        Names.name("source", body.source());
        if (body.source().equals(target)) {
            throw badRequest("source and target are the same replica");
        }
        documents.requireAlive(tenant, doc, target);
        documents.requireAlive(tenant, doc, body.source());
        quotas.requireRoom(tenant, 0); // the meld adds the source's blocks to the target
        return Response.accepted(new MeldAccepted(melds.request(tenant, doc, body.source(), target))).build();
    }

    private String check(Role role) {
        Names.name("tenant", tenant);
        String caller = access.require(tenant, role);
        Names.name("doc", doc);
        return caller;
    }

    /**
     * A write request (writer): the tenant's rate limit is taken after authentication (429 with Retry-After beyond
     * it, issue 14); storage quotas are checked by each write before it touches the bucket. Deletions are not writes
     * here: they give room back.
     */
    private String write() {
        String caller = check(Role.WRITER);
        quotas.acquireWrite(tenant);
        return caller;
    }

    private DocumentView describe() {
        DocumentSettings settings = documents.settings(tenant, doc);
        return new DocumentView(tenant, doc, settings.compression().wire(), settings.conflictPolicy().wire(),
                documents.replicas(tenant, doc));
    }

    /** {@code limit}: an integer from 1 to {@value #MAX_LIMIT} (a framework conversion failure would answer 404). */
    static int limit(String value) {
        if (value == null) {
            return MAX_LIMIT;
        }
        if (value.isBlank()) {
            throw badRequest("limit must be an integer between 1 and " + MAX_LIMIT + ", got an empty value");
        }
        try {
            int limit = Integer.parseInt(value.trim());
            if (limit >= 1 && limit <= MAX_LIMIT) {
                return limit;
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw badRequest("limit must be an integer between 1 and " + MAX_LIMIT + ", got '" + (value.length() > 20 ? value.substring(0, 20) + "…" : value) + "'");
    }

    private static ProblemException badRequest(String detail) {
        return new ProblemException(400, "invalid-request", "Bad Request", detail);
    }
}
