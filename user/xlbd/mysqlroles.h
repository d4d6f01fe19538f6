/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Which MariaDB node is the primary, which are replicas fit for reads and which are offline,
 * from what one round of checks saw. Pure: no I/O, no clock, so that every case is a line in
 * a unit test.
 *
 * The rules (issue 4: "the writable node is the primary, a read-only node replicating from it
 * is a replica, a stopped or broken one is offline"):
 *   - a node that did not answer both queries is offline;
 *   - a writable node (read_only = 0) is the primary; when several are, the one most nodes
 *     replicate from wins (a writable one with running threads counts: a replica given
 *     read_only = 0 by mistake; ties and none: the first in config order) and the others
 *     are offline: two primaries would split the writes;
 *   - a read-only node whose IO and SQL threads both run ("Yes") and whose
 *     Seconds_Behind_Master is known is a replica with that lag; stopped threads ("No",
 *     "Connecting"), a replication error, no replication at all: offline;
 *   - except a replica whose master is one of the configured nodes, while there is a
 *     primary, and that master is neither the primary nor itself a replica (chained
 *     replication is fine): after a failover it follows a node that takes no writes, its
 *     "lag" stays 0 while it falls behind forever. A master outside the config (a name, an
 *     address xlbd does not watch) is trusted: xlbd cannot tell.
 */
#ifndef XLBD_MYSQLROLES_H
#define XLBD_MYSQLROLES_H

#include <stdbool.h>

#include "config.h"

/* A reason, with the NUL: a short phrase plus a server's error message. */
#define MYSQL_WHY_LEN 256

enum mysql_role {
	MYSQL_ROLE_OFFLINE,
	MYSQL_ROLE_PRIMARY,
	MYSQL_ROLE_REPLICA,
};

/* What one check of one node saw. */
struct mysql_observation {
	bool up;	   /* connected, and @@read_only and SHOW SLAVE STATUS answered */
	bool read_only;	   /* @@read_only */
	bool replicating;  /* SHOW SLAVE STATUS has a row */
	bool io_running;   /* Slave_IO_Running = Yes */
	bool sql_running;  /* Slave_SQL_Running = Yes */
	long lag_s;	   /* Seconds_Behind_Master; -1 for NULL */
	bool master_known; /* Master_Host is an address: master is set */
	struct xlbd_endpoint master;
	/* !up: why the check failed; else Last_IO_Error or Last_SQL_Error, "" for none */
	char error[MYSQL_WHY_LEN];
};

struct mysql_verdict {
	enum mysql_role role;
	unsigned int lag_s;	 /* replicas; 0 for the others */
	char why[MYSQL_WHY_LEN]; /* offline: why, for the log; "" otherwise */
};

/*
 * The roles of nodes[0..n) (config order) from obs[0..n) into out[0..n). Returns how many
 * writable nodes were made offline because another one is the primary (0 when all is well;
 * the caller warns).
 */
unsigned int mysql_derive_roles(const struct xlbd_endpoint *nodes,
				const struct mysql_observation *obs, unsigned int n,
				struct mysql_verdict *out);

const char *mysql_role_name(enum mysql_role role);

/* "ADDR:PORT", or "[ADDR6]:PORT". */
void mysql_format_endpoint(const struct xlbd_endpoint *ep, char *buf, size_t len);

/* host (a numeric address, IPv6 with or without brackets) and port (1..65535) into *out: 0,
 * or -EINVAL (a name, an empty or bad port). */
int mysql_parse_host_port(const char *host, const char *port, struct xlbd_endpoint *out);

/* "ADDR:PORT" or "[ADDR6]:PORT" into *out: 0 or -EINVAL. */
int mysql_parse_endpoint(const char *s, struct xlbd_endpoint *out);

bool mysql_endpoint_equal(const struct xlbd_endpoint *a, const struct xlbd_endpoint *b);

#endif
