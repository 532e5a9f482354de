package dev.meldtown.blockstore.internal;

import dev.meldtown.crdt.CorruptDataException;
import dev.meldtown.crdt.DocumentLimitException;
import dev.meldtown.crdt.InvalidDocumentException;
import dev.meldtown.crdt.InvalidRevisionException;
import dev.meldtown.crdt.MeldaException;
import dev.meldtown.crdt.UnknownObjectException;
import dev.meldtown.service.DependencyUnavailableException;
import dev.meldtown.service.Outages;
import dev.meldtown.service.Problem;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** The CRDT library's typed errors as problem+json. */
public class MeldaProblems {
    private static final Logger LOG = Logger.getLogger(MeldaProblems.class);

    @ServerExceptionMapper
    public Response melda(MeldaException e) {
        if (e instanceof UnknownObjectException) {
            return Problem.response(404, "unknown-object", "Unknown object", e.getMessage());
        }
        if (e instanceof InvalidRevisionException) {
            return Problem.response(422, "invalid-revision", "Invalid revision", e.getMessage());
        }
        if (e instanceof DocumentLimitException) { // crdt DocumentLimits: refused before anything is written
            return Problem.response(400, "document-limit", "Document exceeds a limit", e.getMessage());
        }
        if (e instanceof InvalidDocumentException) {
            return Problem.response(422, "invalid-document", "Invalid document", e.getMessage());
        }
        if (e instanceof CorruptDataException) {
            LOG.warn("corrupt replica data", e);
            return Problem.response(500, "corrupt-data", "Corrupt replica data", e.getMessage());
        }
        DependencyUnavailableException outage = Outages.unavailable(e);
        LOG.warn("storage failure", e);
        return Problem.of(outage != null ? outage : new DependencyUnavailableException("storage", e.getMessage(), e));
    }
}
