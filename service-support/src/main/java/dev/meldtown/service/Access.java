package dev.meldtown.service;

import io.quarkus.security.identity.SecurityIdentity;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.jwt.JsonWebToken;

/**
 * Tenant-scoped authorization (contracts §2): a verified bearer JWT whose {@code tenant} claim equals the path's
 * tenant and whose {@code groups} hold the role, where admin implies writer implies reader. 401 without a valid
 * token, 403 for another tenant or too weak a role.
 */
@RequestScoped
public class Access {
    @Inject
    SecurityIdentity identity;

    @Inject
    JsonWebToken jwt;

    /** Checks the caller and returns its name (the token's subject) for audit fields. */
    public String require(String tenant, Role role) {
        if (identity.isAnonymous()) {
            throw new ProblemException(401, "unauthorized", "Unauthorized", "a valid bearer token is required");
        }
        Object claim = jwt.getClaim("tenant");
        if (claim == null || !tenant.equals(claim.toString())) {
            throw new ProblemException(403, "forbidden", "Forbidden", "the token is not valid for tenant " + tenant);
        }
        Role held = Role.strongest(jwt.getGroups() == null ? java.util.Set.of() : jwt.getGroups());
        if (held == null || !held.includes(role)) {
            throw new ProblemException(403, "forbidden", "Forbidden", "this operation needs the " + role.label() + " role");
        }
        return jwt.getName();
    }
}
