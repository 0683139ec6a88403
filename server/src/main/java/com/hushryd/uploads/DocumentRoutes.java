package com.hushryd.uploads;

import static com.hushryd.http.ApiRouter.Access.ADMIN;
import static com.hushryd.http.ApiRouter.Access.AUTHENTICATED;
import static io.vertx.core.http.HttpMethod.GET;
import static io.vertx.core.http.HttpMethod.POST;

import com.hushryd.common.ApiException;
import com.hushryd.http.ApiRequest;
import com.hushryd.http.ApiRouter;
import com.hushryd.common.RouteClass;
import com.hushryd.idempotency.IdempotencyKeys;
import com.hushryd.uploads.DocumentService.UploadUrlInput;
import java.net.URI;
import java.util.regex.Pattern;

/**
 * HTTP endpoints of document uploads. The object key of {@code /documents/{key}/complete} contains slashes: clients
 * send it URL-encoded as one path segment ({@code documents%2F...%2F1700000000000-ab12.png}).
 */
public final class DocumentRoutes {
    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9.:\\[\\]-]{1,255}");

    private DocumentRoutes() {
    }

    /** Registers the endpoints; completing an upload honours {@code Idempotency-Key} through {@code keys}. */
    public static void register(ApiRouter api, DocumentService documents, IdempotencyKeys keys) {
        // the upload bucket (RATE_LIMIT_UPLOAD, per user, shared by the cluster through Redis) limits URL requests
        api.api(POST, "/documents/upload-url", AUTHENTICATED, RouteClass.UPLOAD, req -> {
            req.allowQuery();
            return documents.uploadUrl(req.principal(), req.body(UploadUrlInput.class), origin(req));
        });
        api.api(POST, "/documents/{key}/complete", AUTHENTICATED, req -> {
            req.allowQuery();
            String key = req.path("key");
            return documents.complete(req.principal(), key, keys.call(req, "document.complete", key, null)).reply();
        });
        api.api(GET, "/documents", AUTHENTICATED, req -> {
            req.allowQuery("status", "limit", "cursor");
            return documents.list(req.principal(), req.query("status"), req.queryInt("limit", 1, 100),
                    req.query("cursor"));
        });
        api.api(GET, "/admin/drivers/{id}/documents", ADMIN, req -> {
            req.allowQuery("status", "limit", "cursor");
            return documents.listOf(req.pathUuid("id"), req.query("status"), req.queryInt("limit", 1, 100),
                    req.query("cursor"));
        });
    }

    /** Where the client reached this node, for stores that receive uploads themselves. */
    private static URI origin(ApiRequest req) {
        String host = req.header("Host");
        if (host == null || !HOST.matcher(host).matches()) {
            throw ApiException.badRequest("BAD_REQUEST", "a valid Host header is needed to build the upload URL");
        }
        String proto = "https".equalsIgnoreCase(req.header("X-Forwarded-Proto")) ? "https" : "http";
        return URI.create(proto + "://" + host);
    }
}
