/* lm_nvsmi: rows of nvidia-smi's CSV query mode (--format=csv,noheader,
 * nounits) into samples named gpu_* (see docs/lmprobe.1). Columns are
 * matched by position against the field list that was asked for; [N/A]
 * and [Not Supported] are missing values, never 0. A line that is not a
 * row (a header, an XID or ECC event, a failure message) is refused. */
#ifndef LM_NVSMI_H
#define LM_NVSMI_H
#include <stddef.h>
#include "lm_send.h"

#define LM_NVSMI_FIELDS 32     /* fields in one query */

/* What lmprobe asks for. */
#define LM_NVSMI_GPU_QUERY "uuid,index,utilization.gpu,utilization.memory," \
	"memory.used,memory.total,power.draw,power.limit,temperature.gpu," \
	"clocks.sm,clocks.mem,fan.speed"
#define LM_NVSMI_APP_QUERY "gpu_uuid,pid,used_memory,process_name"
#define LM_NVSMI_ID_QUERY "uuid,index,name"
#define LM_NVSMI_TEXT 63       /* bytes of a uuid, index or name kept */

struct lm_nvsmi {
	size_t n;
	int f[LM_NVSMI_FIELDS];    /* field ids, in the order asked for */
	int rest;                  /* the last field is a name: it takes the
	                            * rest of the line, commas included */
};

/* The keys and text of one row, for --query-compute-apps and the GPU ids
 * (LM_NVSMI_ID_QUERY); what was not asked for is empty, -1 or NAN. */
struct lm_nvsmi_row {
	char uuid[LM_NVSMI_TEXT + 1];
	char index[LM_NVSMI_TEXT + 1];
	char name[LM_NVSMI_TEXT + 1];  /* name, gpu_name: the model; process_name:
	                                * its last path component, cut to 15 bytes
	                                * as the kernel cuts a comm */
	long pid;
	double mem;                    /* used_memory in bytes; NAN: [N/A] */
};

/* The comma-separated field list into q; fields of no interest are kept
 * as placeholders (their column is checked for presence only). -1 when
 * empty or longer than LM_NVSMI_FIELDS. */
int lm_nvsmi_query(struct lm_nvsmi *q, const char *list);

/* One line of --query-gpu (q) into out. 0: a row; -1: not a row. */
int lm_nvsmi_gpu(const struct lm_nvsmi *q, const char *s, size_t n, struct lm_samples *out);
/* One line of --query-compute-apps or of the GPU ids into r. 0: a row;
 * -1: not a row (also a uuid, index or model name longer than
 * LM_NVSMI_TEXT: never cut). */
int lm_nvsmi_row(const struct lm_nvsmi *q, const char *s, size_t n, struct lm_nvsmi_row *r);
/* The key of a --query-gpu row (its uuid, else index column); 0 when none. */
size_t lm_nvsmi_key(const struct lm_nvsmi *q, const char *s, size_t n, const char **key);
#endif
