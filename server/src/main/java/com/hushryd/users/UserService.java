package com.hushryd.users;

import com.fasterxml.jackson.databind.JsonNode;
import com.hushryd.auth.PasswordHasher;
import com.hushryd.auth.Principal;
import com.hushryd.auth.Revocations;
import com.hushryd.cache.TwoLevelCache;
import com.hushryd.auth.Role;
import com.hushryd.auth.TokenService;
import com.hushryd.auth.TokenService.IssuedToken;
import com.hushryd.common.ApiException;
import com.hushryd.common.Validator;
import com.hushryd.store.Database;
import com.hushryd.store.Ids;
import com.hushryd.store.Jdbc;
import com.hushryd.store.replica.ReadRouter;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Accounts: registration, login, profiles and emergency contacts. Blocking; call from worker threads. */
public final class UserService {
    private static final Logger log = LoggerFactory.getLogger(UserService.class);
    public static final int MAX_EMERGENCY_CONTACTS = 5;

    private final Database db;
    private ReadRouter reads;
    private final PasswordHasher hasher;
    private final TokenService tokens;
    private final Clock clock;
    private TwoLevelCache.Namespace<User> userCache;
    private TwoLevelCache.Namespace<Me> meCache;
    private final List<java.util.function.Consumer<UUID>> profileListeners =
            new java.util.concurrent.CopyOnWriteArrayList<>();
    private final List<java.util.function.Consumer<UUID>> deletionListeners =
            new java.util.concurrent.CopyOnWriteArrayList<>();

    public UserService(Database db, PasswordHasher hasher, TokenService tokens, Clock clock) {
        this.db = db;
        this.reads = ReadRouter.primaryOnly(db);
        this.hasher = hasher;
        this.tokens = tokens;
        this.clock = clock;
    }

    /**
     * Caches profiles ({@code GET /users/{id}}: the account row, shaped per caller afterwards, so nothing of one
     * user's view reaches another) and the caller's own {@code GET /me}, both for {@code ttl}; writes invalidate.
     */
    public void useCache(TwoLevelCache cache, Duration ttl) {
        userCache = cache.namespace("user", User.class, ttl, 100_000);
        meCache = cache.namespace("me", Me.class, ttl, 100_000);
    }

    /** Called after a user's name or email changed (e.g. trips show their driver's name). */
    public void onProfileChanged(java.util.function.Consumer<UUID> listener) {
        profileListeners.add(listener);
    }

    private void profileChanged(UUID id) {
        forgetProfile(id);
        profileListeners.forEach(l -> l.accept(id));
    }

    private void forgetProfile(UUID id) {
        if (userCache != null) {
            userCache.invalidate(id.toString());
            meCache.invalidate(id.toString());
        }
    }

    private static <T> T cached(TwoLevelCache.Namespace<T> ns, UUID id, TwoLevelCache.SqlLoader<T> loader)
            throws SQLException {
        return TwoLevelCache.read(ns, id.toString(), loader);
    }

    /** What register and login answer. */
    public record AuthResult(User user, String accessToken, String tokenType, long expiresIn, Instant expiresAt) {
    }

    /** A profile as another user sees it: no phone, no email. */
    public record PublicProfile(UUID id, String name, Role role, Instant createdAt) {
    }

    /** The caller's own profile. */
    public record Me(UUID id, String phone, String name, String email, Role role, Instant createdAt,
            Instant updatedAt, List<EmergencyContact> emergencyContacts) {
    }

    public record RegisterInput(String phone, String name, String password, String role, String email) {
    }

    public record LoginInput(String phone, String password) {
    }

    public record ContactInput(String name, String phone, String email, String relationship) {
    }

    public record ContactsInput(List<ContactInput> contacts) {
    }

    public record Contacts(List<EmergencyContact> contacts) {
    }

    public AuthResult register(RegisterInput in) throws SQLException {
        Validator v = new Validator();
        String phone = v.phone("phone", in.phone(), true);
        String name = v.text("name", in.name(), 1, 100, true);
        String password = password(v, in.password());
        Role role = v.choice("role", in.role(), List.of(Role.PASSENGER, Role.DRIVER), true);
        String email = v.email("email", in.email(), false);
        v.throwIfInvalid();
        return issue(create(phone, name, email, password, role));
    }

    private User create(String phone, String name, String email, String password, Role role) throws SQLException {
        Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
        User user = new User(Ids.newId(), phone, name, email, role, now, now);
        String hash = hasher.hash(password);
        try {
            db.tx(c -> {
                UserStore.insert(c, user, hash);
                return null;
            });
        } catch (SQLException e) {
            throw uniqueConflict(e).orElseThrow(() -> e);
        }
        return user;
    }

    private static Optional<ApiException> uniqueConflict(SQLException e) {
        if (Jdbc.isUniqueViolation(e, UserStore.PHONE_UNIQUE)) {
            return Optional.of(ApiException.conflict("PHONE_TAKEN", "an account with this phone already exists",
                    Map.of("field", "phone")));
        }
        if (Jdbc.isUniqueViolation(e, UserStore.EMAIL_UNIQUE)) {
            return Optional.of(ApiException.conflict("EMAIL_TAKEN", "an account with this email already exists",
                    Map.of("field", "email")));
        }
        return Optional.empty();
    }

    public AuthResult login(LoginInput in) throws SQLException {
        Validator v = new Validator();
        v.text("phone", in.phone(), 1, 32, true);
        v.text("password", in.password(), 1, 1024, true);
        v.throwIfInvalid();
        Validator phoneCheck = new Validator();
        String phone = phoneCheck.phone("phone", in.phone(), true);
        Optional<UserStore.Credentials> found = phone == null ? Optional.empty()
                : db.read(c -> UserStore.credentials(c, phone));
        if (found.isEmpty()) {
            hasher.verifyNothing(in.password());
            throw ApiException.unauthorized("INVALID_CREDENTIALS", "phone or password is incorrect");
        }
        if (!hasher.verify(in.password(), found.get().passwordHash())) {
            throw ApiException.unauthorized("INVALID_CREDENTIALS", "phone or password is incorrect");
        }
        return issue(found.get().user());
    }

    private AuthResult issue(User user) {
        IssuedToken t = tokens.issue(user.id(), user.role());
        return new AuthResult(user, t.token(), "Bearer", t.expiresInSeconds(), t.expiresAt());
    }

    public Me me(Principal p) throws SQLException {
        return cached(meCache, p.userId(), () -> db.read(c -> {
            User u = UserStore.byId(c, p.userId()).orElseThrow(() -> ApiException.unauthorized(
                    "INVALID_TOKEN", "the account of this token no longer exists"));
            return me(u, UserStore.contacts(c, u.id()));
        }));
    }

    private static Me me(User u, List<EmergencyContact> contacts) {
        return new Me(u.id(), u.phone(), u.name(), u.email(), u.role(), u.createdAt(), u.updatedAt(), contacts);
    }

    /** Applies a JSON merge-style patch of {@code name} and {@code email} ({@code null} clears the email). */
    public Me patchMe(Principal p, JsonNode patch) throws SQLException {
        if (patch == null || !patch.isObject()) {
            throw ApiException.badRequest("MALFORMED_JSON", "request body must be a JSON object");
        }
        Validator v = new Validator();
        String name = null;
        String email = null;
        boolean setEmail = false;
        for (Iterator<Map.Entry<String, JsonNode>> it = patch.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            JsonNode value = f.getValue();
            switch (f.getKey()) {
                case "name" -> {
                    if (v.check(value.isTextual(), "name", "expected a string")) {
                        name = v.text("name", value.asText(), 1, 100, true);
                    }
                }
                case "email" -> {
                    setEmail = true;
                    if (!value.isNull() && v.check(value.isTextual(), "email", "expected a string or null")) {
                        email = v.email("email", value.asText(), true);
                    }
                }
                default -> v.fail(f.getKey(), "unknown field");
            }
        }
        v.check(patch.size() > 0, "(body)", "must name at least one of name, email");
        v.throwIfInvalid();
        String newName = name;
        String newEmail = email;
        boolean changeEmail = setEmail;
        try {
            Me updated = db.tx(c -> {
                User u = UserStore.update(c, p.userId(), newName, changeEmail, newEmail,
                        clock.instant().truncatedTo(ChronoUnit.MICROS)).orElseThrow(() -> ApiException.notFound("user"));
                return me(u, UserStore.contacts(c, u.id()));
            });
            reads.wrote(p.userId());
            profileChanged(p.userId());
            return updated;
        } catch (SQLException e) {
            throw uniqueConflict(e).orElseThrow(() -> e);
        }
    }

    public Contacts contacts(Principal p) throws SQLException {
        return new Contacts(db.read(c -> UserStore.contacts(c, p.userId())));
    }

    /** Emergency contacts of a user, for the SOS notifier. */
    public List<EmergencyContact> contactsOf(UUID userId) throws SQLException {
        return db.read(c -> UserStore.contacts(c, userId));
    }

    public Contacts replaceContacts(Principal p, ContactsInput in) throws SQLException {
        Validator v = new Validator();
        if (in.contacts() == null) {
            v.fail("contacts", "is required");
            v.throwIfInvalid();
        }
        v.check(in.contacts().size() <= MAX_EMERGENCY_CONTACTS, "contacts",
                "at most " + MAX_EMERGENCY_CONTACTS + " contacts");
        v.throwIfInvalid();
        Set<String> phones = new HashSet<>();
        List<EmergencyContact> contacts = new ArrayList<>();
        for (int i = 0; i < in.contacts().size(); i++) {
            ContactInput ci = in.contacts().get(i);
            String prefix = "contacts[" + i + "].";
            if (ci == null) {
                v.fail("contacts[" + i + "]", "must be an object");
                continue;
            }
            String name = v.text(prefix + "name", ci.name(), 1, 100, true);
            String phone = v.phone(prefix + "phone", ci.phone(), true);
            String email = v.email(prefix + "email", ci.email(), false);
            String relationship = v.text(prefix + "relationship", ci.relationship(), 1, 50, false);
            if (phone != null) {
                v.check(phones.add(phone), prefix + "phone", "appears more than once");
            }
            contacts.add(new EmergencyContact(name, phone, email, relationship));
        }
        v.throwIfInvalid();
        db.tx(c -> {
            // delete + insert of two concurrent replacements would interleave (duplicate key): the last one wins
            User u = UserStore.lockById(c, p.userId()).orElseThrow(() -> ApiException.notFound("user"));
            for (int i = 0; i < contacts.size(); i++) {
                if (contacts.get(i).phone().equals(u.phone())) {
                    throw ApiException.invalid("contacts[" + i + "].phone", "must not be your own phone");
                }
            }
            UserStore.replaceContacts(c, p.userId(), contacts);
            return null;
        });
        if (meCache != null) {
            meCache.invalidate(p.userId().toString());
        }
        return new Contacts(List.copyOf(contacts));
    }

    /** Another user's profile: full for oneself and admins, public otherwise. */
    public Object profile(Principal p, UUID id) throws SQLException {
        User u = cached(userCache, id, () -> db.read(c -> UserStore.byId(c, id)).orElse(null));
        if (u == null) {
            throw ApiException.notFound("user");
        }
        if (p.isAdmin() || p.userId().equals(id)) {
            return u;
        }
        return new PublicProfile(u.id(), u.name(), u.role(), u.createdAt());
    }

    public record PasswordInput(String currentPassword, String newPassword) {
    }

    /**
     * Changes the caller's password after checking the current one, revokes every token issued before the change
     * (and the caller's own, by id) in the same transaction, and answers a fresh token.
     */
    public AuthResult changePassword(Principal p, PasswordInput in, Revocations revocations) throws SQLException {
        Validator v = new Validator();
        v.text("currentPassword", in.currentPassword(), 1, 1024, true);
        String next = password(v, in.newPassword(), "newPassword");
        v.throwIfInvalid();
        String hash = hasher.hash(next);
        Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
        User user = db.tx(c -> {
            String current = UserStore.passwordHash(c, p.userId()).orElseThrow(() -> ApiException.unauthorized(
                    "INVALID_TOKEN", "the account of this token no longer exists"));
            if (!hasher.verify(in.currentPassword(), current)) {
                throw ApiException.unauthorized("INVALID_CREDENTIALS", "currentPassword is incorrect");
            }
            UserStore.setPassword(c, p.userId(), hash, now);
            Revocations.revokeAllBefore(c, p.userId(), now);
            if (p.tokenId() != null) {
                Revocations.revoke(c, p.userId(), p.tokenId(), p.expiresAt() != null ? p.expiresAt()
                        : now.plus(Duration.ofDays(30)));
            }
            return UserStore.byId(c, p.userId()).orElseThrow();
        });
        revocations.changed(p.userId());
        forgetProfile(p.userId());
        return issue(user);
    }

    public record RoleInput(String role) {
    }

    /**
     * An admin sets the role of account {@code id}. A change revokes every token the account holds (in the same
     * transaction) and makes every node re-read its session state, so the old rights end everywhere at once and the
     * account's sockets are disconnected; setting the role it already has changes nothing. The last active admin
     * cannot be demoted (409 LAST_ADMIN).
     */
    public User changeRole(UUID id, RoleInput in, Revocations revocations) throws SQLException {
        Validator v = new Validator();
        Role role = v.choice("role", in.role(), List.of(Role.values()), true);
        v.throwIfInvalid();
        Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
        record Change(User user, Role before) {
        }
        Change change = db.tx(c -> {
            UserStore.Locked locked = UserStore.lockForAdminChange(c, id)
                    .orElseThrow(() -> ApiException.notFound("user"));
            if (locked.user().role() == role) {
                return new Change(locked.user(), role);
            }
            refuseLastAdmin(locked, "demoted");
            Revocations.revokeAllBefore(c, id, now);
            return new Change(UserStore.setRole(c, id, role, now), locked.user().role());
        });
        if (change.before() != role) {
            revocations.changed(id);
            forgetProfile(id);
            log.info("role of account {} changed from {} to {}", id, change.before().json(), role.json());
        }
        return change.user();
    }

    /**
     * An admin deletes account {@code id} (decision 0043): the row stays, marked deleted, with its personal data
     * erased, so the trips, bookings, SOS alerts and messages that name it stay valid; every token of the account is
     * refused from then on, on every node at once, and its sockets are disconnected. The last active admin cannot be
     * deleted (409 LAST_ADMIN); an absent or already deleted account is a 404.
     */
    public void delete(UUID id, Revocations revocations) throws SQLException {
        erase(id, null, revocations);
    }

    public record DeleteMeInput(String password) {
    }

    /** The caller deletes their own account, confirming with their password; otherwise as {@link #delete}. */
    public void deleteMe(Principal p, DeleteMeInput in, Revocations revocations) throws SQLException {
        Validator v = new Validator();
        v.text("password", in.password(), 1, 1024, true);
        v.throwIfInvalid();
        erase(p.userId(), in.password(), revocations);
    }

    private void erase(UUID id, String password, Revocations revocations) throws SQLException {
        Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
        db.tx(c -> {
            UserStore.Locked locked = UserStore.lockForAdminChange(c, id)
                    .orElseThrow(() -> ApiException.notFound("user"));
            if (password != null && !hasher.verify(password, UserStore.passwordHash(c, id).orElseThrow())) {
                throw ApiException.unauthorized("INVALID_CREDENTIALS", "password is incorrect");
            }
            refuseLastAdmin(locked, "deleted");
            UserStore.markDeleted(c, id, now);
            return null;
        });
        revocations.changed(id);
        profileChanged(id);
        for (var listener : deletionListeners) {
            try {
                listener.accept(id);
            } catch (RuntimeException e) {
                log.warn("a listener of the deletion of account {} failed: {}", id, e.toString());
            }
        }
        log.info("account {} deleted", id);
    }

    private static void refuseLastAdmin(UserStore.Locked locked, String what) {
        if (locked.user().role() == Role.ADMIN && locked.activeAdmins() <= 1) {
            throw ApiException.conflict("LAST_ADMIN", "the last active admin cannot be " + what
                    + "; make another account admin first", Map.of("id", locked.user().id()));
        }
    }

    /** Called after an account was deleted (e.g. its scheduled trips and bookings are cancelled). */
    public void onDeleted(java.util.function.Consumer<UUID> listener) {
        deletionListeners.add(listener);
    }

    /** Lets display-name lookups (nearby drivers) go to read replicas (decision 0062); writes are reported so their author sees them next. */
    public void useReplicas(ReadRouter reads) {
        this.reads = reads;
    }

    /** Display names of these users (absent ids are left out); may come from a replica. */
    public Map<UUID, String> names(java.util.Collection<UUID> ids) throws SQLException {
        return reads.read((UUID) null, c -> UserStore.names(c, ids));
    }

    public Optional<User> byId(UUID id) throws SQLException {
        return db.read(c -> UserStore.byId(c, id));
    }

    /** Creates an admin account with this phone unless one exists; returns whether it created one. */
    public boolean ensureAdmin(String rawPhone, String password, String name) throws SQLException {
        Validator v = new Validator();
        String phone = v.phone("phone", rawPhone, true);
        password(v, password);
        v.throwIfInvalid();
        Optional<UserStore.Credentials> existing = db.read(c -> UserStore.credentials(c, phone));
        if (existing.isPresent()) {
            if (existing.get().user().role() != Role.ADMIN) {
                log.warn("ADMIN_PHONE {} belongs to an existing {} account; not changing it", phone,
                        existing.get().user().role().json());
            }
            return false;
        }
        try {
            create(phone, name, null, password, Role.ADMIN);
        } catch (ApiException e) {
            return false; // another node created it at the same moment
        }
        log.info("created admin account {}", phone);
        return true;
    }

    private static String password(Validator v, String password) {
        return password(v, password, "password");
    }

    private static String password(Validator v, String password, String field) {
        if (password == null) {
            v.fail(field, "is required");
            return null;
        }
        int bytes = password.getBytes(StandardCharsets.UTF_8).length;
        if (password.length() < 8 || bytes > PasswordHasher.MAX_PASSWORD_BYTES) {
            v.fail(field, "must be at least 8 characters and at most "
                    + PasswordHasher.MAX_PASSWORD_BYTES + " bytes");
            return null;
        }
        return password;
    }
}
