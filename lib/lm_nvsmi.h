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
#define LM_NVSMI_APP_QUERY "gpu_uuid,pid,used_memory"

struct lm_nvsmi {
	size_t n;
	int f[LM_NVSMI_FIELDS];    /* field ids, in the order asked for */
};

/* The comma-separated field list into q; fields of no interest are kept
 * as placeholders (their column is checked for presence only). -1 when
 * empty or longer than LM_NVSMI_FIELDS. */
int lm_nvsmi_query(struct lm_nvsmi *q, const char *list);

/* One line of --query-gpu (q) into out. 0: a row; -1: not a row. */
int lm_nvsmi_gpu(const struct lm_nvsmi *q, const char *s, size_t n, struct lm_samples *out);
/* One line of --query-compute-apps (q: gpu_uuid and pid at least) into
 * out (gpu_process_memory_bytes). 0: a row; -1: not a row. */
int lm_nvsmi_app(const struct lm_nvsmi *q, const char *s, size_t n, struct lm_samples *out);
/* The key of a --query-gpu row (its uuid, else index column); 0 when none. */
size_t lm_nvsmi_key(const struct lm_nvsmi *q, const char *s, size_t n, const char **key);
#endif
