package dev.meldtown.sync.service;

import dev.meldtown.model.InvalidNameException;
import dev.meldtown.model.Name;
import dev.meldtown.service.Access;
import dev.meldtown.service.ProblemException;
import dev.meldtown.service.Role;
import dev.meldtown.service.feed.ChangeFeedDocs;
import dev.meldtown.service.feed.ChangeFeeds;
import dev.meldtown.service.feed.FeedSelector;
import dev.meldtown.service.feed.FeedSink;
import io.vertx.core.http.HttpServerResponse;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseEventSink;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.ParameterIn;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

/**
 * {@code GET /v1/tenants/{tenant}/events}: the tenant's {@code sync.requested} and {@code sync.completed} CloudEvents,
 * of every town, as Server-Sent Events, live, resumable with {@code Last-Event-ID} (reader; service-support
 * {@link ChangeFeeds}). A tenant without towns yet has a valid, quiet feed.
 */
@Path("/v1/tenants/{tenant}/events")
public class SyncFeedResource {
    @Inject
    Access access;

    @Inject
    ChangeFeeds feeds;

    @GET
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @Operation(summary = "Live feed of the tenant's sync.* events (reader)", description = ChangeFeedDocs.DESCRIPTION)
    @APIResponse(responseCode = "200", description = "An endless text/event-stream: each event's `id` is its resumable position, "
            + "`event` its CloudEvents type, `data` the CloudEvent (structured JSON, contracts §3); `: keep-alive` comments when idle",
            content = @Content(mediaType = MediaType.SERVER_SENT_EVENTS, schema = @Schema(type = SchemaType.STRING)))
    public void events(@PathParam("tenant") String tenant,
                       @Parameter(in = ParameterIn.HEADER, name = "Last-Event-ID", description = ChangeFeedDocs.LAST_EVENT_ID,
                               schema = @Schema(type = SchemaType.STRING, maxLength = 8192))
                       @HeaderParam("Last-Event-ID") String lastEventId,
                       @Parameter(description = ChangeFeedDocs.MAX_SECONDS, schema = @Schema(type = SchemaType.INTEGER, minimum = "1"))
                       @QueryParam("maxSeconds") String maxSeconds,
                       @Context SseEventSink sink, @Context Sse sse, @Context HttpServerResponse response) {
        try {
            Name.of("tenant name", tenant);
        } catch (InvalidNameException e) {
            throw new ProblemException(400, "invalid-name", "Invalid name", e.getMessage());
        }
        access.require(tenant, Role.READER);
        var duration = feeds.duration(maxSeconds);
        feeds.open(FeedSelector.syncs(tenant), lastEventId, duration, new FeedSink(sink, sse, response));
    }
}
