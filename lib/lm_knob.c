/* lm_knob: the knobs apps read (docs/design.md): get, set, unset, knobs
 * requests on the query socket, and the state file's lines. */
#include <stdlib.h>
#include <string.h>
#include "lm_table.h"
#include "lm_table_int.h"

/* next space-separated word of s[*i..n) */
static int word(const char *s, size_t n, size_t *i, struct lm_str *w)
{
	while (*i < n && s[*i] == ' ')
		(*i)++;
	w->p = s + *i;
	while (*i < n && s[*i] != ' ')
		(*i)++;
	w->n = (size_t)(s + *i - w->p);
	return w->n > 0;
}

static int word_is(const struct lm_str *w, const char *k)
{
	return w->n == strlen(k) && memcmp(w->p, k, w->n) == 0;
}

static struct knob *knob_find(struct lm_table *t, const struct lm_str *app, const struct lm_str *name)
{
	size_t i;

	for (i = 0; i < t->nknobs; i++)
		if (strlen(t->knobs[i].app) == app->n && memcmp(t->knobs[i].app, app->p, app->n) == 0 &&
		    strlen(t->knobs[i].name) == name->n && memcmp(t->knobs[i].name, name->p, name->n) == 0)
			return &t->knobs[i];
	return NULL;
}

static void answer(struct lm_buf *out, const char *a, const struct lm_str *v)
{
	lm_buf_adds(out, a);
	if (v) {
		lm_buf_addc(out, ' ');
		lm_buf_add(out, v->p, v->n);
	}
	lm_buf_addc(out, '\n');
}

int lm_table_knobs(struct lm_table *t, struct lm_buf *out)
{
	size_t i;

	for (i = 0; i < t->nknobs; i++) {
		lm_buf_adds(out, "set ");
		lm_buf_adds(out, t->knobs[i].app);
		lm_buf_addc(out, ' ');
		lm_buf_adds(out, t->knobs[i].name);
		lm_buf_addc(out, ' ');
		lm_buf_adds(out, t->knobs[i].value);
		lm_buf_addc(out, '\n');
	}
	return out->err ? -1 : 0;
}

int lm_table_request(struct lm_table *t, const char *s, size_t n,
	int may_set, double wall, struct lm_buf *out)
{
	struct lm_str cmd, app, name, value = { NULL, 0 }, extra;
	struct knob *k;
	size_t i = 0;
	int isset, isget, isunset;

	if (!word(s, n, &i, &cmd))
		return -1;
	if (word_is(&cmd, "knobs")) {
		if (word(s, n, &i, &extra)) {
			answer(out, "error usage", NULL);
			return 0;
		}
		lm_table_knobs(t, out);
		return 0;
	}
	isset = word_is(&cmd, "set");
	isget = word_is(&cmd, "get");
	isunset = word_is(&cmd, "unset");
	if (!isset && !isget && !isunset)
		return -1;
	if (!word(s, n, &i, &app) || !word(s, n, &i, &name) ||
	    (isset && !word(s, n, &i, &value)) || word(s, n, &i, &extra)) {
		answer(out, "error usage", NULL);
		return 0;
	}
	if (app.n > LM_APP_MAX || !lm_text_ok(app.p, app.n)) {
		answer(out, "error bad_app", NULL);
		return 0;
	}
	if (!lm_name_ok(name.p, name.n)) {
		answer(out, "error bad_knob", NULL);
		return 0;
	}
	k = knob_find(t, &app, &name);
	if (isget) {
		if (k) {
			struct lm_str v = { k->value, strlen(k->value) };
			answer(out, "ok", &v);
		} else {
			answer(out, "unset", NULL);
		}
		return 0;
	}
	if (!may_set) {
		answer(out, "error permission", NULL);
		return 0;
	}
	if (isunset) {
		if (k) {
			t->undo = *k;
			t->undo_kind = 1;
			*k = t->knobs[--t->nknobs];
		}
		answer(out, "ok", NULL);
		return k != NULL;
	}
	if (value.n > LM_TAGVAL_MAX || !lm_text_ok(value.p, value.n)) {
		answer(out, "error bad_value", NULL);
		return 0;
	}
	if (!k) {
		if (!t->knobs && !(t->knobs = calloc(LM_KNOBS_MAX, sizeof *t->knobs))) {
			answer(out, "error limit", NULL);
			return 0;
		}
		if (t->nknobs == LM_KNOBS_MAX) {
			answer(out, "error limit", NULL);
			return 0;
		}
		k = &t->knobs[t->nknobs++];
		memcpy(k->app, app.p, app.n);
		k->app[app.n] = 0;
		memcpy(k->name, name.p, name.n);
		k->name[name.n] = 0;
		t->undo = *k;
		t->undo_kind = 2;
	} else {
		t->undo = *k;
		t->undo_kind = 1;
	}
	memcpy(k->value, value.p, value.n);
	k->value[value.n] = 0;
	k->wall = wall;
	answer(out, "ok", NULL);
	return 1;
}

void lm_table_undo(struct lm_table *t)
{
	struct lm_str app = { t->undo.app, strlen(t->undo.app) };
	struct lm_str name = { t->undo.name, strlen(t->undo.name) };
	struct knob *k = knob_find(t, &app, &name);

	if (t->undo_kind == 1) {
		if (k)
			*k = t->undo;
		else if (t->nknobs < LM_KNOBS_MAX)
			t->knobs[t->nknobs++] = t->undo;
	} else if (t->undo_kind == 2 && k) {
		*k = t->knobs[--t->nknobs];
	}
	t->undo_kind = 0;
}

