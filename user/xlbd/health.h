/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Health checking: one target per backend of every VIP the config owns (backends added with
 * the CLI included), each probed every interval; `rise` good results in a row bring a down
 * backend up, `fall` bad ones take an up backend down, and the new state goes to the maps at
 * once, with one log line.
 */
#ifndef XLBD_HEALTH_H
#define XLBD_HEALTH_H

#include "daemon.h"

/* Brings the targets in line with the maps: new backends get a target (starting from the
 * health state the maps hold, so a restarted daemon carries on), removed ones lose theirs. */
void health_scan(struct xlbd *d);
void health_stop_all(struct xlbd *d);

#endif
