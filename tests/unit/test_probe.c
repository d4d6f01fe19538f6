// SPDX-License-Identifier: GPL-2.0-only
/*
 * xlbd's health probes against servers this test runs on loopback: HTTP and HTTPS servers that
 * answer 200 or 503, one that accepts and never speaks, one whose listen queue is full (its
 * SYNs are dropped), a port nobody listens on, and, when mariadb-server is installed, a
 * private MariaDB server. TAP.
 *
 * Each run starts its probes at once on one base; the ones that must time out have to finish
 * after all the others: a backend that hangs delays no other probe.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "probe.h"
#include "../lib/tap.h"

/* The probes that are meant to time out get this; the others 2 s, which they never need. */
#define HANG_TIMEOUT_MS 300
#define TIMEOUT_MS 2000
/* A run that has not ended by then never will: report what it has. */
#define RUN_LIMIT_S 10
#define MAX_HELD 16

enum server_kind { ANSWER_200, ANSWER_503, NEVER_ANSWER };

struct server {
	enum server_kind kind;
	SSL_CTX *tls; /* speaks TLS with this, or plain HTTP when NULL */
	struct evconnlistener *listener;
	struct sockaddr_in addr;
	int held[MAX_HELD]; /* NEVER_ANSWER keeps the accepted sockets open and silent */
	int nr_held;
};

struct outcome {
	int calls;
	bool ok;
	char why[256];
	int order; /* when it finished among all probes of one run */
};

static struct event_base *base;
static int pending, finished;

static void on_done(void *arg, bool ok, long latency_us, const char *why)
{
	struct outcome *o = arg;

	(void)latency_us;
	o->calls++;
	o->ok = ok;
	snprintf(o->why, sizeof(o->why), "%s", why);
	o->order = ++finished;
	/* the servers' listeners would keep the loop running for ever */
	if (--pending == 0)
		event_base_loopbreak(base);
}

static void probe(const struct sockaddr_in *addr, const struct probe_spec *spec, int timeout_ms,
		  struct outcome *o)
{
	memset(o, 0, sizeof(*o));
	pending++;
	if (probe_start(base, (const struct sockaddr *)addr, sizeof(*addr), spec, timeout_ms,
			on_done, o)) {
		o->calls = -1;
		pending--;
	}
}

/* Runs the loop until every probe started since the last run has reported. */
static void run(void)
{
	struct timeval limit = { RUN_LIMIT_S, 0 };

	if (pending > 0) {
		event_base_loopexit(base, &limit);
		event_base_dispatch(base);
	}
	pending = 0;
	finished = 0;
}

/* Lets the servers see the probes' closes and free what they hold. */
static void settle(void)
{
	struct timeval t = { 0, 200 * 1000 };

	event_base_loopexit(base, &t);
	event_base_dispatch(base);
}

static int open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n - 1; /* the directory's own */
}

static void skip(const char *name, const char *why)
{
	printf("ok %d - %s # SKIP %s\n", ++tap_count, name, why);
}

/* ---- the servers ---- */

static const char *reply_of(const struct server *s)
{
	return s->kind == ANSWER_200 ? "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
				     : "HTTP/1.1 503 Busy\r\nContent-Length: 0\r\n\r\n";
}

static void tls_conn_free(struct bufferevent *bev, void *ctx)
{
	(void)ctx;
	bufferevent_free(bev);
}

static void on_tls_conn_event(struct bufferevent *bev, short what, void *ctx)
{
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		tls_conn_free(bev, ctx);
}

/* Answers once the request's header is in, and closes once the answer is out (without a
 * close_notify, as many servers do: the probe must take the answer all the same). */
static void on_tls_request(struct bufferevent *bev, void *ctx)
{
	struct evbuffer *in = bufferevent_get_input(bev);

	if (evbuffer_search(in, "\r\n\r\n", 4, NULL).pos < 0)
		return;
	bufferevent_setcb(bev, NULL, tls_conn_free, on_tls_conn_event, ctx);
	bufferevent_write(bev, reply_of(ctx), strlen(reply_of(ctx)));
}

static void on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int len,
		      void *ctx)
{
	struct server *s = ctx;
	struct bufferevent *bev;
	SSL *ssl;

	(void)l, (void)sa, (void)len;
	if (s->kind == NEVER_ANSWER) {
		if (s->nr_held < MAX_HELD)
			s->held[s->nr_held++] = fd;
		else
			close(fd);
		return;
	}
	if (!s->tls) {
		/* the request is small and the reply smaller: blocking I/O is fine in a test */
		if (write(fd, reply_of(s), strlen(reply_of(s))) < 0)
			perror("write");
		close(fd);
		return;
	}
	ssl = SSL_new(s->tls);
	bev = ssl ? bufferevent_openssl_socket_new(base, fd, ssl, BUFFEREVENT_SSL_ACCEPTING,
						   BEV_OPT_CLOSE_ON_FREE)
		  : NULL;
	if (!bev) {
		SSL_free(ssl);
		close(fd);
		return;
	}
	bufferevent_setcb(bev, on_tls_request, NULL, on_tls_conn_event, s);
	bufferevent_enable(bev, EV_READ);
}

static int server_start(struct server *s, enum server_kind kind, SSL_CTX *tls)
{
	socklen_t len = sizeof(s->addr);

	*s = (struct server){ .kind = kind, .tls = tls };
	s->addr.sin_family = AF_INET;
	s->addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s->listener = evconnlistener_new_bind(base, on_accept, s, LEV_OPT_CLOSE_ON_FREE, 16,
					      (struct sockaddr *)&s->addr, sizeof(s->addr));
	if (!s->listener)
		return -1;
	return getsockname(evconnlistener_get_fd(s->listener), (struct sockaddr *)&s->addr, &len);
}

static void server_release(struct server *s)
{
	while (s->nr_held > 0)
		close(s->held[--s->nr_held]);
}

static void server_stop(struct server *s)
{
	server_release(s);
	if (s->listener)
		evconnlistener_free(s->listener);
}

/* A loopback port with nothing listening: bound, never listened on, so nobody else gets it. */
static int closed_port(struct sockaddr_in *addr, int *fd)
{
	socklen_t len = sizeof(*addr);

	*fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(addr, 0, sizeof(*addr));
	addr->sin_family = AF_INET;
	addr->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (*fd < 0 || bind(*fd, (struct sockaddr *)addr, sizeof(*addr)))
		return -1;
	return getsockname(*fd, (struct sockaddr *)addr, &len);
}

/*
 * A port whose SYNs go unanswered, as a host that is down: a listen queue of one that one
 * connection of ours fills and nobody accepts; Linux drops SYNs while the queue is full.
 */
static int syn_drop_port(struct sockaddr_in *addr, int *lfd, int *filler)
{
	socklen_t len = sizeof(*addr);

	*filler = -1;
	if (closed_port(addr, lfd) || listen(*lfd, 0) ||
	    getsockname(*lfd, (struct sockaddr *)addr, &len))
		return -1;
	*filler = socket(AF_INET, SOCK_STREAM, 0);
	if (*filler < 0)
		return -1;
	return connect(*filler, (struct sockaddr *)addr, sizeof(*addr));
}

/* A server context with a self-signed certificate made here: EC P-256, as that is quick. */
static SSL_CTX *server_tls_ctx(void)
{
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *cert = X509_new();
	SSL_CTX *ctx = NULL;
	X509_NAME *name;

	if (!key || !cert)
		goto out;
	ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
	X509_gmtime_adj(X509_getm_notBefore(cert), 0);
	X509_gmtime_adj(X509_getm_notAfter(cert), 24 * 3600);
	X509_set_pubkey(cert, key);
	name = X509_get_subject_name(cert);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"test", -1, -1,
				   0);
	X509_set_issuer_name(cert, name);
	if (!X509_sign(cert, key, EVP_sha256()))
		goto out;
	ctx = SSL_CTX_new(TLS_server_method());
	if (ctx &&
	    (SSL_CTX_use_certificate(ctx, cert) != 1 || SSL_CTX_use_PrivateKey(ctx, key) != 1)) {
		SSL_CTX_free(ctx);
		ctx = NULL;
	}
out:
	X509_free(cert);
	EVP_PKEY_free(key);
	return ctx;
}

/* ---- a private MariaDB server: its own datadir, socket and port ---- */

struct mariadb {
	char dir[64];
	pid_t pid;
	struct sockaddr_in addr;
};

static const char *first_existing(const char *const *paths)
{
	for (; *paths; paths++)
		if (access(*paths, X_OK) == 0)
			return *paths;
	return NULL;
}

static const char *const mariadbd_paths[] = { "/usr/sbin/mariadbd", "/usr/sbin/mysqld", NULL };
static const char *const install_db_paths[] = { "/usr/bin/mariadb-install-db",
						"/usr/bin/mysql_install_db", NULL };
static const char *const client_paths[] = { "/usr/bin/mariadb", "/usr/bin/mysql", NULL };

static int free_port(struct sockaddr_in *addr)
{
	int fd, err;

	err = closed_port(addr, &fd);
	if (fd >= 0)
		close(fd);
	return err;
}

static int write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	int err;

	if (!f)
		return -errno;
	err = fputs(text, f) < 0 ? -EIO : 0;
	return fclose(f) ? -errno : err;
}

static int mariadb_sql(const struct mariadb *m, const char *sql)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd),
		 "%s --no-defaults --socket=%s/sock -uroot -e \"%s\" >>%s/sql.log 2>&1",
		 first_existing(client_paths), m->dir, sql, m->dir);
	return system(cmd) == 0 ? 0 : -EIO;
}

/* Started, answering on its socket, and with the probe's user; 0 or -errno, and then a look
 * in m->dir's logs says why. Debian's MariaDB creates anonymous users, which would shadow the
 * probe's user from localhost: they are dropped. */
static int mariadb_start(struct mariadb *m)
{
	const char *user = getpwuid(geteuid()) ? getpwuid(geteuid())->pw_name : "root";
	char cmd[1024], datadir[128], sock[128], port[32], pidf[128], errlog[128];
	struct timespec nap = { 0, 100 * 1000 * 1000 };

	snprintf(m->dir, sizeof(m->dir), "/tmp/xlb-test-probe-XXXXXX");
	m->pid = -1;
	if (!mkdtemp(m->dir) || free_port(&m->addr))
		return -errno;
	snprintf(datadir, sizeof(datadir), "--datadir=%s/data", m->dir);
	snprintf(sock, sizeof(sock), "--socket=%s/sock", m->dir);
	snprintf(port, sizeof(port), "--port=%u", ntohs(m->addr.sin_port));
	snprintf(pidf, sizeof(pidf), "--pid-file=%s/pid", m->dir);
	snprintf(errlog, sizeof(errlog), "--log-error=%s/error.log", m->dir);
	snprintf(cmd, sizeof(cmd),
		 "%s --no-defaults --user=%s %s --auth-root-authentication-method=normal "
		 "--skip-test-db >%s/install.log 2>&1",
		 first_existing(install_db_paths), user, datadir, m->dir);
	if (system(cmd))
		return -EIO;
	m->pid = fork();
	if (m->pid < 0)
		return -errno;
	if (m->pid == 0) {
		char userarg[64], out[128];
		int fd;

		/* what it says before its log is open goes to a file too, not into the TAP */
		snprintf(out, sizeof(out), "%s/mariadbd.out", m->dir);
		fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
			close(fd);
		}
		snprintf(userarg, sizeof(userarg), "--user=%s", user);
		execl(first_existing(mariadbd_paths), "mariadbd", "--no-defaults", userarg, datadir,
		      sock, port, pidf, errlog, "--bind-address=127.0.0.1", "--skip-name-resolve",
		      "--skip-log-bin", "--innodb-buffer-pool-size=16M", (char *)NULL);
		_exit(127);
	}
	/* up when the client gets in through the socket; give up after 15 s */
	for (int i = 0; i < 150; i++) {
		if (waitpid(m->pid, NULL, WNOHANG) == m->pid) {
			m->pid = -1;
			return -ECHILD;
		}
		if (!mariadb_sql(m, "SELECT 1"))
			return mariadb_sql(m, "DELETE FROM mysql.global_priv WHERE User=''; "
					      "FLUSH PRIVILEGES; "
					      "CREATE USER 'xlbprobe'@'127.0.0.1' "
					      "IDENTIFIED BY 'probe-secret';");
		nanosleep(&nap, NULL);
	}
	return -ETIMEDOUT;
}

/* Why it did not start, as TAP comments: the directory goes at the end of the test. */
static void mariadb_show_logs(const struct mariadb *m)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "tail -n 5 %s/*.log | sed 's/^/# /'", m->dir);
	if (system(cmd))
		printf("# no logs in %s\n", m->dir);
}

static void mariadb_stop(struct mariadb *m)
{
	char cmd[128];

	if (m->pid > 0) {
		kill(m->pid, SIGTERM);
		/* a clean shutdown takes a second or so; then no more waiting */
		for (int i = 0; i < 100 && waitpid(m->pid, NULL, WNOHANG) != m->pid; i++)
			usleep(100 * 1000);
		if (kill(m->pid, 0) == 0) {
			kill(m->pid, SIGKILL);
			waitpid(m->pid, NULL, 0);
		}
	}
	if (m->dir[0] && strncmp(m->dir, "/tmp/xlb-test-probe-", 20) == 0) {
		snprintf(cmd, sizeof(cmd), "rm -rf %s", m->dir);
		if (system(cmd))
			fprintf(stderr, "could not remove %s\n", m->dir);
	}
}

/* ---- the runs ---- */

struct targets {
	struct server s200, s503, hang;
	struct sockaddr_in closed, syn_drop;
};

static void run_tcp_http(const struct targets *t)
{
	const struct probe_spec tcp = { .kind = PROBE_TCP };
	const struct probe_spec http = {
		.kind = PROBE_HTTP, .method = "GET", .path = "/health", .status = 200
	};
	struct outcome o[6];

	probe(&t->s200.addr, &tcp, TIMEOUT_MS, &o[0]);
	probe(&t->closed, &tcp, TIMEOUT_MS, &o[1]);
	probe(&t->s200.addr, &http, TIMEOUT_MS, &o[2]);
	probe(&t->s503.addr, &http, TIMEOUT_MS, &o[3]);
	probe(&t->hang.addr, &http, HANG_TIMEOUT_MS, &o[4]);
	probe(&t->closed, &http, TIMEOUT_MS, &o[5]);
	run();

	for (int i = 0; i < 6; i++)
		ASSERT_EQ(o[i].calls, 1, "tcp/http: each probe reports exactly once");
	ASSERT_TRUE(o[0].ok, "tcp: a listening port is healthy");
	ASSERT_TRUE(!o[1].ok, "tcp: a closed port is not");
	ASSERT_TRUE(o[2].ok, "http: 200 when 200 is expected is healthy");
	ASSERT_TRUE(!o[3].ok && !strcmp(o[3].why, "wrong status"), "http: 503 is not");
	ASSERT_TRUE(!o[4].ok && !strcmp(o[4].why, "timeout"), "http: no answer times out");
	ASSERT_TRUE(!o[5].ok, "http: a closed port is not healthy");
	ASSERT_EQ(o[4].order, 6, "http: the hanging server's probe finished last");
}

static void run_https(const struct targets *t, const struct server *tls200,
		      const struct server *tls503)
{
	const struct probe_spec https = {
		.kind = PROBE_HTTPS, .method = "GET", .path = "/health", .status = 200
	};
	struct outcome o[6];
	int last_quick = 0;

	probe(&tls200->addr, &https, TIMEOUT_MS, &o[0]);
	probe(&tls503->addr, &https, TIMEOUT_MS, &o[1]);
	probe(&t->closed, &https, TIMEOUT_MS, &o[2]);
	probe(&t->s200.addr, &https, TIMEOUT_MS, &o[3]);
	probe(&t->hang.addr, &https, HANG_TIMEOUT_MS, &o[4]);
	probe(&t->syn_drop, &https, HANG_TIMEOUT_MS, &o[5]);
	run();

	for (int i = 0; i < 6; i++)
		ASSERT_EQ(o[i].calls, 1, "https: each probe reports exactly once");
	ASSERT_TRUE(o[0].ok,
		    "https: 200 when 200 is expected is healthy (self-signed, unverified)");
	if (!o[0].ok)
		printf("#   why: %s\n", o[0].why);
	ASSERT_TRUE(!o[1].ok && !strcmp(o[1].why, "wrong status"), "https: 503 is not");
	ASSERT_TRUE(!o[2].ok, "https: a closed port is not healthy");
	ASSERT_TRUE(!o[3].ok, "https: a plain HTTP server is not healthy");
	printf("#   closed port: %s; plain HTTP: %s\n", o[2].why, o[3].why);
	ASSERT_TRUE(!o[4].ok && !strcmp(o[4].why, "timeout"),
		    "https: a server that never does the TLS handshake times out");
	ASSERT_TRUE(!o[5].ok && !strcmp(o[5].why, "timeout"),
		    "https: a server that drops SYNs times out");
	for (int i = 0; i < 4; i++)
		last_quick = o[i].order > last_quick ? o[i].order : last_quick;
	ASSERT_TRUE(o[4].order > last_quick && o[5].order > last_quick,
		    "https: the hanging servers' probes finished after all others");
}

/* The points that need a MariaDB server: run against m, or skipped when m is NULL. */
static void run_mysql(const struct targets *t, const struct mariadb *m, const char *skip_why)
{
	struct probe_spec good = { .kind = PROBE_MYSQL, .user = "xlbprobe" };
	struct probe_spec wrong = good, missing = good, empty = good;
	char path[128], nowhere[128];
	struct outcome o[7];
	int last_quick = 0;

	if (m) {
		snprintf(path, sizeof(path), "%s/password", m->dir);
		ASSERT_TRUE(!write_file(path, "probe-secret\n") &&
				    !probe_read_password(&good, path),
			    "mysql: the password is read from its file");
		snprintf(path, sizeof(path), "%s/wrong", m->dir);
		ASSERT_TRUE(!write_file(path, "not-the-secret\n") &&
				    !probe_read_password(&wrong, path),
			    "mysql: a wrong password is read from its file");
		snprintf(path, sizeof(path), "%s/empty", m->dir);
		ASSERT_TRUE(!write_file(path, "") && !probe_read_password(&empty, path) &&
				    !empty.password[0],
			    "mysql: an empty file is an empty password");
	} else {
		skip("mysql: the password is read from its file", skip_why);
		skip("mysql: a wrong password is read from its file", skip_why);
		skip("mysql: an empty file is an empty password", skip_why);
	}
	snprintf(nowhere, sizeof(nowhere), "/nonexistent/xlb-test-probe/password");
	ASSERT_EQ(probe_read_password(&missing, nowhere), -ENOENT,
		  "mysql: a missing password file is reported");

	/* the probes that need no server run either way; the others only with one */
	probe(&t->closed, &good, TIMEOUT_MS, &o[0]);
	probe(&t->closed, &missing, TIMEOUT_MS, &o[1]);
	probe(&t->hang.addr, &good, HANG_TIMEOUT_MS, &o[2]);
	probe(&t->syn_drop, &good, HANG_TIMEOUT_MS, &o[3]);
	if (m) {
		probe(&m->addr, &good, TIMEOUT_MS, &o[4]);
		probe(&m->addr, &wrong, TIMEOUT_MS, &o[5]);
		probe(&m->addr, &empty, TIMEOUT_MS, &o[6]);
	}
	run();

	for (int i = 0; i < 7; i++) {
		if (i >= 4 && !m)
			skip("mysql: each probe reports exactly once", skip_why);
		else
			ASSERT_EQ(o[i].calls, 1, "mysql: each probe reports exactly once");
	}
	ASSERT_TRUE(!o[0].ok, "mysql: a closed port is not healthy");
	printf("#   closed port: %s\n", o[0].why);
	ASSERT_TRUE(!o[1].ok && strstr(o[1].why, nowhere) && strstr(o[1].why, "No such file"),
		    "mysql: a missing password file fails the probe and says which");
	printf("#   missing file: %s\n", o[1].why);
	ASSERT_TRUE(!o[2].ok && !strcmp(o[2].why, "timeout"),
		    "mysql: a server that never greets times out");
	ASSERT_TRUE(!o[3].ok && !strcmp(o[3].why, "timeout"),
		    "mysql: a server that drops SYNs times out");
	if (!m) {
		skip("mysql: the right password is healthy", skip_why);
		skip("mysql: a wrong password fails with the server's error", skip_why);
		skip("mysql: an empty password for a user that has one fails", skip_why);
		skip("mysql: the hanging servers' probes finished after all others", skip_why);
		return;
	}
	ASSERT_TRUE(o[4].ok, "mysql: the right password is healthy");
	if (!o[4].ok)
		printf("#   why: %s\n", o[4].why);
	ASSERT_TRUE(!o[5].ok && strstr(o[5].why, "Access denied"),
		    "mysql: a wrong password fails with the server's error");
	printf("#   wrong password: %s\n", o[5].why);
	ASSERT_TRUE(!o[6].ok && strstr(o[6].why, "Access denied"),
		    "mysql: an empty password for a user that has one fails");
	last_quick = o[0].order > o[1].order ? o[0].order : o[1].order;
	for (int i = 4; i < 7; i++)
		last_quick = o[i].order > last_quick ? o[i].order : last_quick;
	ASSERT_TRUE(o[2].order > last_quick && o[3].order > last_quick,
		    "mysql: the hanging servers' probes finished after all others");
}

static void test_password_file(void)
{
	char dir[] = "/tmp/xlb-test-probe-XXXXXX", path[64], long_line[PROBE_PASSWORD_MAX + 2];
	struct probe_spec spec = {};

	if (!ASSERT_TRUE(mkdtemp(dir), "a directory for password files"))
		return;
	snprintf(path, sizeof(path), "%s/pw", dir);
	write_file(path, "first\r\nsecond\n");
	ASSERT_TRUE(!probe_read_password(&spec, path) && !strcmp(spec.password, "first"),
		    "password: the first line, without its CRLF");
	write_file(path, "no newline");
	ASSERT_TRUE(!probe_read_password(&spec, path) && !strcmp(spec.password, "no newline"),
		    "password: a last line without a newline");
	memset(long_line, 'x', sizeof(long_line) - 1);
	long_line[sizeof(long_line) - 1] = 0;
	write_file(path, long_line);
	ASSERT_TRUE(probe_read_password(&spec, path) == -EOVERFLOW && !spec.password[0],
		    "password: a line too long is refused, not cut");
	long_line[PROBE_PASSWORD_MAX - 1] = '\n';
	write_file(path, long_line);
	ASSERT_TRUE(!probe_read_password(&spec, path) &&
			    strlen(spec.password) == PROBE_PASSWORD_MAX - 1,
		    "password: the longest that fits is taken");
	ASSERT_EQ(probe_read_password(&spec, dir), -EISDIR, "password: a directory is refused");
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	struct server tls200 = {}, tls503 = {};
	struct mariadb db = { .pid = -1 };
	const char *skip_why = NULL;
	int closed_fd = -1, syn_fd = -1, filler = -1, fds;
	struct targets t = {};
	SSL_CTX *tls;

	/* a server writing to a probe that has gone must not kill the test (xlbd ignores
	 * SIGPIPE too) */
	signal(SIGPIPE, SIG_IGN);
	test_password_file();

	base = event_base_new();
	tls = server_tls_ctx();
	if (!ASSERT_TRUE(base, "event base") || !ASSERT_TRUE(tls, "a self-signed certificate") ||
	    !ASSERT_OK(server_start(&t.s200, ANSWER_200, NULL), "server answering 200") ||
	    !ASSERT_OK(server_start(&t.s503, ANSWER_503, NULL), "server answering 503") ||
	    !ASSERT_OK(server_start(&t.hang, NEVER_ANSWER, NULL), "server never answering") ||
	    !ASSERT_OK(server_start(&tls200, ANSWER_200, tls), "TLS server answering 200") ||
	    !ASSERT_OK(server_start(&tls503, ANSWER_503, tls), "TLS server answering 503") ||
	    !ASSERT_OK(closed_port(&t.closed, &closed_fd), "a closed port") ||
	    !ASSERT_OK(syn_drop_port(&t.syn_drop, &syn_fd, &filler), "a port that drops SYNs"))
		goto out;

	if (!first_existing(mariadbd_paths) || !first_existing(install_db_paths) ||
	    !first_existing(client_paths))
		skip_why = "mariadb-server or mariadb-client not installed";
	if (skip_why)
		skip("a private MariaDB server started", skip_why);
	else if (!ASSERT_OK(mariadb_start(&db), "a private MariaDB server started"))
		skip_why = "the MariaDB server did not start";
	if (skip_why)
		printf("# %s\n", skip_why);
	if (skip_why && db.dir[0])
		mariadb_show_logs(&db);

	fds = open_fds();
	run_tcp_http(&t);
	run_https(&t, &tls200, &tls503);
	run_mysql(&t, skip_why ? NULL : &db, skip_why);
	server_release(&t.hang);
	settle();
	ASSERT_EQ(open_fds(), fds, "no probe leaves a descriptor open");
out:
	if (db.dir[0])
		mariadb_stop(&db);
	server_stop(&t.s200);
	server_stop(&t.s503);
	server_stop(&t.hang);
	server_stop(&tls200);
	server_stop(&tls503);
	if (closed_fd >= 0)
		close(closed_fd);
	if (filler >= 0)
		close(filler);
	if (syn_fd >= 0)
		close(syn_fd);
	if (tls)
		SSL_CTX_free(tls);
	if (base)
		event_base_free(base);
	return tap_done();
}
