/* lm_jetson: what a Jetson board says about itself in sysfs and /etc,
 * beyond tegrastats: the nvpmodel power mode, whether jetson_clocks holds
 * the clocks at their maximum, the fan, the GPU's and the memory
 * controller's (EMC) frequency range and governor, the L4T release, the
 * JetPack it belongs to and the board model. Everything is read under a
 * root directory ("" or "/": the live system), as lm_proc does, so tests
 * point it at a fixture tree. Samples are board_* (see docs/lmprobe.1);
 * nothing here prints or exits. Files that exist but may not be read
 * (debugfs is root's) are counted, never an error. */
#ifndef LM_JETSON_H
#define LM_JETSON_H
#include <stddef.h>
#include "lm_send.h"

#define LM_JETSON_TEXT 63      /* bytes of a mode name, release or model kept */
#define LM_JETSON_FILE 16384   /* bytes read from one file, at most */
#define LM_JETSON_DIRS 64      /* entries of /sys/class/{hwmon,devfreq} looked at */

struct lm_jetson_stat {
	unsigned found;            /* facts read */
	unsigned denied;           /* files there but not readable (EACCES, EPERM) */
};

/* One reading into out. 0 ok (st says what was found and denied); -1
 * with errno ENOENT when root holds nothing a Jetson has (no nvpmodel,
 * no release file, no GPU or EMC clock, no model). */
int lm_jetson_read(const char *root, struct lm_samples *out, struct lm_jetson_stat *st);

/* The of_node name of the integrated GPU's devfreq device (ga10b on
 * Orin, gv11b on Xavier) into name (LM_JETSON_TEXT + 1 bytes). 0, -1. */
int lm_jetson_igpu(const char *root, char *name);

/* ---- the parsers under it, each on NUL-terminated text */

/* The power mode: the id from /var/lib/nvpmodel/status ("pmode:0002"),
 * else /etc/nvpmodel.conf's "< PM_CONFIG DEFAULT=N >"; its name from the
 * conf's "< POWER_MODEL ID=N NAME=... >" into name (LM_JETSON_TEXT + 1
 * bytes; "" when not there). status may be NULL. 0 ok, -1 no id. */
int lm_jetson_nvpmodel(const char *conf, const char *status, long *id, char *name);
/* "# R35 (release), REVISION: 4.1, GCID: ..." into "35.4.1" (l4t,
 * LM_JETSON_TEXT + 1 bytes). 0 ok, -1 not that shape. */
int lm_jetson_release(const char *text, char *l4t);
/* The JetPack release of an L4T release ("35.4.1" -> "5.1.2"); NULL
 * when the table does not know it. */
const char *lm_jetson_jetpack(const char *l4t);
/* A sysfs file holding one whole number (spaces and a newline around it
 * allowed). 0 ok, -1 anything else. */
int lm_jetson_number(const char *text, double *v);
#endif
