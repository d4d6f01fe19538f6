// SPDX-License-Identifier: GPL-2.0-only
/*
 * appd's HTTP API (endpoints and status codes in README.md and etc/appd.conf): evhttp calls
 * on_request for every request; it routes, checks, asks the database and answers JSON. The
 * checks come before the database: a rejected request writes nothing.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <event2/keyvalq_struct.h>
#include <sys/queue.h>

#include "http.h"
#include "log.h"
#include "route.h"

static const char oom_body[] = "{\"error\":\"out of memory\"}\n";

static enum appd_method method_of(struct evhttp_request *req)
{
	switch (evhttp_request_get_command(req)) {
	case EVHTTP_REQ_GET:
		return APPD_M_GET;
	case EVHTTP_REQ_HEAD:
		return APPD_M_HEAD;
	case EVHTTP_REQ_POST:
		return APPD_M_POST;
	default:
		return APPD_M_OTHER;
	}
}

static const char *method_name(struct evhttp_request *req)
{
	switch (evhttp_request_get_command(req)) {
	case EVHTTP_REQ_GET:
		return "GET";
	case EVHTTP_REQ_POST:
		return "POST";
	case EVHTTP_REQ_HEAD:
		return "HEAD";
	case EVHTTP_REQ_PUT:
		return "PUT";
	case EVHTTP_REQ_DELETE:
		return "DELETE";
	case EVHTTP_REQ_OPTIONS:
		return "OPTIONS";
	case EVHTTP_REQ_TRACE:
		return "TRACE";
	case EVHTTP_REQ_CONNECT:
		return "CONNECT";
	case EVHTTP_REQ_PATCH:
		return "PATCH";
	}
	return "?";
}

/* The request's URI for a log line: a client's control bytes (terminal escapes) never reach
 * the log. */
static const char *logged_uri(struct evhttp_request *req, char *buf, size_t len)
{
	const char *uri = evhttp_request_get_uri(req);

	appd_sanitize(buf, len, uri ? uri : "", uri ? strlen(uri) : 0);
	return buf;
}

/* Sends body (taken) with code. HEAD gets the headers GET would, and no body: evhttp would
 * send one otherwise. */
static void send_json(struct evhttp_request *req, int code, json_t *body)
{
	struct evkeyvalq *out = evhttp_request_get_output_headers(req);
	const char *text = oom_body;
	size_t len = sizeof(oom_body) - 1;
	struct evbuffer *buf = evbuffer_new();
	char *dumped = NULL, clen[24], uri[200];

	if (body)
		dumped = appd_json_text(body, &len);
	json_decref(body);
	if (dumped)
		text = dumped;
	else
		code = 500, len = sizeof(oom_body) - 1;
	evhttp_add_header(out, "Content-Type", "application/json");
	evhttp_add_header(out, "Cache-Control", "no-store");
	if (method_of(req) == APPD_M_HEAD) {
		snprintf(clen, sizeof(clen), "%zu", len);
		evhttp_add_header(out, "Content-Length", clen);
	} else if (buf) {
		evbuffer_add(buf, text, len);
	}
	pr_debug("appd: %s %s: %d\n", method_name(req), logged_uri(req, uri, sizeof(uri)), code);
	evhttp_send_reply(req, code, NULL, buf);
	if (buf)
		evbuffer_free(buf);
	free(dumped);
}

/* Logs why (sanitized: it may quote the request) and sends {"error": msg}. */
static void send_error_why(struct evhttp_request *req, int code, const char *msg, const char *why)
{
	char uri[200], clean[320];

	appd_sanitize(clean, sizeof(clean), why, strlen(why));
	if (code >= 500)
		pr_warn("appd: %s %s: %d: %s\n", method_name(req),
			logged_uri(req, uri, sizeof(uri)), code, clean);
	else
		pr_info("appd: %s %s: %d: %s\n", method_name(req),
			logged_uri(req, uri, sizeof(uri)), code, clean);
	send_json(req, code, appd_error_json(msg));
}

static __attribute__((format(printf, 3, 4))) void send_error(struct evhttp_request *req, int code,
							     const char *fmt, ...)
{
	char msg[320];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	send_error_why(req, code, msg, msg);
}

/* The database's own words (its address, our user, what the splitter said) go to the log,
 * for the operator; the client learns only that it should come back later. */
static void send_db_error(struct appd_http *h, struct evhttp_request *req, int err)
{
	if (err == -ENOMEM)
		send_error(req, 500, "out of memory");
	else
		send_error_why(req, 503, APPD_DB_DOWN, h->db->err);
}

/* obj plus the server fields every read carries; NULL (obj freed) when out of memory. */
static json_t *with_server(struct appd_http *h, json_t *obj, const unsigned long long *sid)
{
	if (!obj)
		return NULL;
	if (json_object_set_new(obj, "server", json_string(h->cfg->name)) |
	    json_object_set_new(obj, "db_server_id",
				sid ? json_integer((json_int_t)*sid) : json_null())) {
		json_decref(obj);
		return NULL;
	}
	return obj;
}

/* ---- endpoints ---- */

static void get_notes(struct appd_http *h, struct evhttp_request *req, const char *query)
{
	struct evkeyvalq params = { 0 };
	unsigned long long sid;
	unsigned int limit = 0;
	json_t *list, *body;
	const char *v;
	size_t n;
	int ret;

	TAILQ_INIT(&params);
	if (query && evhttp_parse_query_str(query, &params) < 0) {
		send_error(req, 400, "bad query string: expected ?limit=N");
		goto out;
	}
	v = evhttp_find_header(&params, "limit");
	if (v && appd_parse_limit(v, &limit) < 0) {
		char shown[40];

		appd_sanitize(shown, sizeof(shown), v, strlen(v));
		send_error(req, 400, "bad limit '%s': expected a whole number from 1 to %d", shown,
			   APPD_LIMIT_MAX);
		goto out;
	}
	ret = appd_db_list(h->db, limit, h->notes, &n, &sid);
	if (ret) {
		send_db_error(h, req, ret);
		goto out;
	}
	list = json_array();
	for (size_t i = 0; list && i < n; i++)
		if (json_array_append_new(list, appd_note_json(&h->notes[i]))) {
			json_decref(list);
			list = NULL;
		}
	body = list ? json_pack("{s:o}", "notes", list) : NULL;
	send_json(req, 200, with_server(h, body, &sid));
out:
	evhttp_clear_headers(&params);
}

static void get_note(struct appd_http *h, struct evhttp_request *req, const char *id_text)
{
	struct appd_note *note = &h->notes[0];
	unsigned long long sid;
	uint64_t id;
	int ret;

	if (appd_parse_id(id_text, &id) < 0) {
		char shown[40];

		appd_sanitize(shown, sizeof(shown), id_text, strlen(id_text));
		send_error(req, 400, "bad note id '%s': expected a whole number up to %" PRIu64,
			   shown, UINT64_MAX);
		return;
	}
	ret = appd_db_get(h->db, id, note, &sid);
	if (ret == -ENOENT)
		send_error(req, 404, "no note %" PRIu64, id);
	else if (ret)
		send_db_error(h, req, ret);
	else
		send_json(req, 200, with_server(h, appd_note_json(note), &sid));
}

static void post_note(struct appd_http *h, struct evhttp_request *req)
{
	struct evkeyvalq *in = evhttp_request_get_input_headers(req);
	struct evbuffer *body = evhttp_request_get_input_buffer(req);
	const char *ct = evhttp_find_header(in, "Content-Type");
	const char *cl = evhttp_find_header(in, "Content-Length");
	size_t len = evbuffer_get_length(body), max = h->cfg->max_body;
	struct appd_note_input note_in = { 0 };
	struct appd_note *note = &h->notes[0];
	unsigned long long sid, *sidp = &sid;
	uint64_t declared, id;
	char err[256], loc[48];
	const char *data;
	int ret;

	if (!appd_is_json_type(ct)) {
		char shown[64];

		appd_sanitize(shown, sizeof(shown), ct ? ct : "", ct ? strlen(ct) : 0);
		send_error(req, 415, "Content-Type '%s': expected application/json", shown);
		return;
	}
	/* the declared size first: it is what a client that streams the body would send */
	if (cl && !appd_parse_id(cl, &declared) && declared > max) {
		send_error(req, 413, "body of %" PRIu64 " bytes: expected at most %zu", declared,
			   max);
		return;
	}
	if (len > max) {
		send_error(req, 413, "body of %zu bytes: expected at most %zu", len, max);
		return;
	}
	data = len ? (const char *)evbuffer_pullup(body, len) : "";
	if (!data) {
		send_error(req, 500, "out of memory");
		return;
	}
	if (appd_note_parse(data, len, &note_in, err, sizeof(err)) < 0) {
		send_error(req, 400, "%s", err);
		return;
	}
	ret = appd_db_insert(h->db, note_in.text, note_in.text_len, note_in.author,
			     note_in.author_len, &id);
	if (ret) {
		send_db_error(h, req, ret);
		goto out;
	}
	/* the stored note, as a later GET returns it; if that read fails the note is stored
	 * all the same: 201 with what was sent and no time */
	ret = appd_db_get(h->db, id, note, &sid);
	if (ret) {
		pr_warn("appd: note %" PRIu64 " stored, reading it back failed: %s\n", id,
			ret == -ENOENT ? "not found" : h->db->err);
		*note = (struct appd_note){ .id = id };
		memcpy(note->text, note_in.text, note_in.text_len + 1);
		note->text_len = note_in.text_len;
		memcpy(note->author, note_in.author, note_in.author_len + 1);
		note->author_len = note_in.author_len;
		sidp = NULL;
	}
	snprintf(loc, sizeof(loc), "/api/notes/%" PRIu64, id);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Location", loc);
	pr_info("appd: note %" PRIu64 " stored\n", id);
	send_json(req, 201, with_server(h, appd_note_json(note), sidp));
out:
	appd_note_input_free(&note_in);
}

static void get_whoami(struct appd_http *h, struct evhttp_request *req)
{
	unsigned long long sid;
	bool ro;
	int ret = appd_db_whoami(h->db, &sid, &ro);

	if (ret) {
		send_db_error(h, req, ret);
		return;
	}
	send_json(req, 200,
		  json_pack("{s:s, s:I, s:b}", "server", h->cfg->name, "db_server_id",
			    (json_int_t)sid, "db_read_only", ro));
}

static void get_health(struct appd_http *h, struct evhttp_request *req)
{
	unsigned long long sid;
	int ret = appd_db_health(h->db, &sid);

	if (ret) {
		send_db_error(h, req, ret == -ENOMEM ? -EIO : ret);
		return;
	}
	send_json(req, 200,
		  json_pack("{s:s, s:s, s:I}", "status", "ok", "server", h->cfg->name,
			    "db_server_id", (json_int_t)sid));
}

static unsigned int header_count(const struct evkeyvalq *headers, const char *name)
{
	const struct evkeyval *kv;
	unsigned int n = 0;

	TAILQ_FOREACH(kv, headers, next)
	{
		if (!strcasecmp(kv->key, name))
			n++;
	}
	return n;
}

static void on_request(struct evhttp_request *req, void *arg)
{
	struct appd_http *h = arg;
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *path = uri ? evhttp_uri_get_path(uri) : NULL, *id = NULL;
	enum appd_route route = appd_route(path, &id);
	enum appd_method m = method_of(req);

	/* libevent frames the body by the first Content-Length and ignores the rest; a request
	 * with two is ambiguous (smuggling): refused, and the connection closed after it */
	if (header_count(evhttp_request_get_input_headers(req), "Content-Length") > 1) {
		evhttp_add_header(evhttp_request_get_output_headers(req), "Connection", "close");
		send_error(req, 400, "more than one Content-Length: expected one");
		return;
	}
	if (route == APPD_R_NONE) {
		char shown[100];

		appd_sanitize(shown, sizeof(shown), path ? path : "", path ? strlen(path) : 0);
		send_error(req, 404,
			   "no such resource '%s': expected /api/notes, /api/notes/ID, "
			   "/api/whoami or /health",
			   shown);
		return;
	}
	if (!appd_route_allows(route, m)) {
		evhttp_add_header(evhttp_request_get_output_headers(req), "Allow",
				  appd_route_allow(route));
		send_error(req, 405, "method %s not allowed on %s: expected %s", method_name(req),
			   path, appd_route_allow(route));
		return;
	}
	switch (route) {
	case APPD_R_NOTES:
		if (m == APPD_M_POST)
			post_note(h, req);
		else
			get_notes(h, req, evhttp_uri_get_query(uri));
		break;
	case APPD_R_NOTE:
		get_note(h, req, id);
		break;
	case APPD_R_WHOAMI:
		get_whoami(h, req);
		break;
	case APPD_R_HEALTH:
		get_health(h, req);
		break;
	case APPD_R_NONE:
		break;
	}
}

int appd_http_start(struct appd_http *h, struct event_base *base, const struct appd_config *cfg,
		    struct appd_db *db, char *err, size_t errlen)
{
	int ret;

	*h = (struct appd_http){ .cfg = cfg, .db = db };
	h->notes = calloc(APPD_LIMIT_MAX, sizeof(*h->notes));
	h->http = evhttp_new(base);
	if (!h->notes || !h->http) {
		snprintf(err, errlen, "out of memory");
		ret = -ENOMEM;
		goto out;
	}
	/* every method reaches on_request, so that a wrong one gets our 405 in JSON instead of
	 * evhttp's 501 page */
	evhttp_set_allowed_methods(h->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD |
						    EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
						    EVHTTP_REQ_OPTIONS | EVHTTP_REQ_TRACE |
						    EVHTTP_REQ_CONNECT | EVHTTP_REQ_PATCH);
	evhttp_set_default_content_type(h->http, "application/json");
	evhttp_set_max_body_size(h->http, cfg->max_body + APPD_BODY_SLACK);
	evhttp_set_max_headers_size(h->http, 16 * 1024);
	evhttp_set_timeout(h->http, 10);
	evhttp_set_gencb(h->http, on_request, h);
	if (!evhttp_bind_socket_with_handle(h->http, cfg->listen_host, cfg->listen_port)) {
		int e = EVUTIL_SOCKET_ERROR();

		snprintf(err, errlen, "cannot listen on %s: %s", cfg->listen,
			 e ? strerror(e) : "bind failed");
		ret = e ? -e : -EADDRNOTAVAIL;
		goto out;
	}
	return 0;
out:
	appd_http_stop(h);
	return ret;
}

void appd_http_stop(struct appd_http *h)
{
	if (h->http)
		evhttp_free(h->http);
	h->http = NULL;
	free(h->notes);
	h->notes = NULL;
}
