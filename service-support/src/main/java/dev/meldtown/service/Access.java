package dev.meldtown.service;

import io.quarkus.security.identity.SecurityIdentity;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.jwt.JsonWebToken;

/**
 * Tenant-scoped authorization (contracts §2): a verified bearer JWT whose {@code tenant} claim equals the path's
 * tenant and whose {@code groups} hold the role, where admin implies writer implies reader. 401 without a valid
 * token, 403 for another tenant or too weak a role. A token holding {@link Role#OPERATOR} (the deployment's operators,
 * issue 14) is valid for every tenant whatever its {@code tenant} claim, and holds every role.
 * <p>
 * smallrye-jwt verifies signature, issuer, audience ({@code mp.jwt.verify.audiences}) and expiry; this class adds what
 * it does not check: the token's age ({@code iat} at most {@code meldtown.jwt.max-age} ago) and an {@code iat} in the
 * future (beyond {@code meldtown.jwt.clock-skew}). Both answer 401.
 */
@RequestScoped
public class Access {
    @Inject
    SecurityIdentity identity;

    @Inject
    JsonWebToken jwt;

    @org.eclipse.microprofile.config.inject.ConfigProperty(name = "meldtown.jwt.max-age", defaultValue = "PT24H")
    java.time.Duration maxAge;

    @org.eclipse.microprofile.config.inject.ConfigProperty(name = "meldtown.jwt.clock-skew", defaultValue = "PT60S")
    java.time.Duration clockSkew;

    /** Checks the caller and returns its name (the token's subject) for audit fields. */
    public String require(String tenant, Role role) {
        if (identity.isAnonymous()) {
            throw new ProblemException(401, "unauthorized", "Unauthorized", "a valid bearer token is required");
        }
        checkAge();
        Role held = Role.strongest(jwt.getGroups() == null ? java.util.Set.of() : jwt.getGroups());
        Object claim = jwt.getClaim("tenant");
        if (held != Role.OPERATOR && (claim == null || !tenant.equals(claim.toString()))) {
            throw new ProblemException(403, "forbidden", "Forbidden", "the token is not valid for tenant " + tenant);
        }
        if (held == null || !held.includes(role)) {
            throw new ProblemException(403, "forbidden", "Forbidden", "this operation needs the " + role.label() + " role");
        }
        return jwt.getName();
    }

    private void checkAge() {
        long iat = jwt.getIssuedAtTime();
        long now = System.currentTimeMillis() / 1000;
        if (iat <= 0) {
            throw unauthorized("the token has no issue time (iat)");
        }
        if (iat > now + clockSkew.toSeconds()) {
            throw unauthorized("the token is issued in the future (iat)");
        }
        if (now - iat > maxAge.toSeconds() + clockSkew.toSeconds()) {
            throw unauthorized("the token is older than " + maxAge.toSeconds() + " s (iat); ask for a new one");
        }
    }

    private static ProblemException unauthorized(String detail) {
        return new ProblemException(401, "unauthorized", "Unauthorized", detail);
    }
}
