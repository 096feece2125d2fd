/* fire_decide.c - misfire, coalesce, max_instances and clock-jump decisions for a
 * due task (see fire_decide.h for the rules). */
#include "fire_decide.h"

#include <string.h>

#include "timeutil.h"

static void range_init(fire_range *r)
{
	r->first_ms = r->last_ms = ZQ_TIME_NONE;
	r->count = 0;
	r->more = 0;
}

static void range_add(fire_range *r, int64_t ms, int64_t n)
{
	if (r->first_ms == ZQ_TIME_NONE)
		r->first_ms = ms;
	r->last_ms = ms;
	r->count += n;
}

static void range_merge(fire_range *into, const fire_range *r)
{
	if (!r->count)
		return;
	if (into->first_ms == ZQ_TIME_NONE || r->first_ms < into->first_ms)
		into->first_ms = r->first_ms;
	if (into->last_ms == ZQ_TIME_NONE || r->last_ms > into->last_ms)
		into->last_ms = r->last_ms;
	into->count += r->count;
	into->more |= r->more;
}

/* The fires of one tick, split into late (older than the grace) and on
 * time. */
struct fires {
	fire_range late, ontime;
	int64_t ontime_ms[FIRE_RUNS_MAX + 1]; /* the first on-time fires */
	int64_t latest;                   /* latest fire <= now */
	int64_t next;                     /* first fire > now */
};

/* A copy of s whose "next after X" stays on the grid through `grid_ms`
 * (an interval without anchor otherwise counts from X itself). */
static zq_schedule on_grid(const zq_schedule *s, int64_t grid_ms)
{
	zq_schedule g = *s;

	if (g.kind == ZQ_SCHED_INTERVAL && g.anchor_ms == ZQ_TIME_NONE)
		g.anchor_ms = grid_ms;
	return g;
}

static void add_fire(struct fires *f, const fire_input *in, int64_t ms)
{
	if (in->now_ms - ms > in->grace_ms) {
		range_add(&f->late, ms, 1);
	} else {
		if (f->ontime.count <= FIRE_RUNS_MAX)
			f->ontime_ms[f->ontime.count] = ms;
		range_add(&f->ontime, ms, 1);
	}
	f->latest = ms;
}

/* The latest fire before `before` on grid g, given that the fire after lo is
 * before it: zq_schedule_next is monotone, so bisect for the largest x with
 * next(x) < before (about 40 steps for any outage). */
static int64_t last_before(const zq_schedule *g, int64_t lo, int64_t before)
{
	int64_t a = lo, b = before - 1, best = ZQ_TIME_NONE, mid, v;

	while (a <= b) {
		mid = a + (b - a) / 2;
		v = zq_schedule_next(g, mid);
		if (v != ZQ_TIME_NONE && v < before) {
			best = v;
			a = mid + 1;
		} else {
			b = mid - 1;
		}
	}
	return best;
}

static void enumerate(const fire_input *in, struct fires *f)
{
	int64_t ms = in->next_run_ms, last;
	int n = 0;
	zq_schedule g;

	range_init(&f->late);
	range_init(&f->ontime);
	f->latest = ZQ_TIME_NONE;
	while (ms != ZQ_TIME_NONE && ms <= in->now_ms && n++ < FIRE_ENUM_MAX) {
		add_fire(f, in, ms);
		ms = zq_schedule_next(in->s, ms);
	}
	if (ms != ZQ_TIME_NONE && ms <= in->now_ms && in->now_ms - ms > in->grace_ms) {
		/* Too many to count: skip the rest of the late stretch in one step. */
		g = on_grid(in->s, f->latest);
		f->late.more = 1;
		range_add(&f->late, ms, 1);
		/* the latest late fire: where a coalesced run is scheduled */
		last = last_before(&g, f->latest, in->now_ms - in->grace_ms);
		f->late.last_ms = f->latest = last != ZQ_TIME_NONE ? last : ms;
		ms = zq_schedule_next(&g, in->now_ms - in->grace_ms - 1);
		n = 0;
		while (ms != ZQ_TIME_NONE && ms <= in->now_ms && n++ < FIRE_ENUM_MAX) {
			add_fire(f, in, ms);
			ms = zq_schedule_next(&g, ms);
		}
	}
	if (ms != ZQ_TIME_NONE && ms <= in->now_ms) {
		/* Still more, all within the grace: count them as a lower bound. */
		g = on_grid(in->s, f->latest);
		f->ontime.more = 1;
		ms = zq_schedule_next(&g, in->now_ms);
	}
	f->next = ms;
}

/* A clock jump: everything becomes one run at the latest fire (or one
 * max_instances skip), whatever coalesce says. */
static void plan_jumped(const fire_input *in, const struct fires *f, fire_plan *p)
{
	fire_range all;

	range_init(&all);
	range_merge(&all, &f->late);
	range_merge(&all, &f->ontime);
	if (in->free_slots < 1) {
		p->over = all;
		return;
	}
	p->run_ms[p->nrun++] = f->latest;
	if (!in->coalesce && all.count > 1) {
		/* the task wants every fire: say which ones the jump merged */
		p->missed = all;
		p->missed.count--;
		p->missed_reason = FIRE_SKIP_JUMP;
		return;
	}
	p->coalesced = all.count - 1;
}

/* Fires within the grace run, each, while instances are free. Fires late
 * beyond the grace are, with coalesce, merged into the first run (the
 * first on-time fire, or when there is none a run at the latest late fire);
 * without, one skipped row. */
static void plan_each(const fire_input *in, const struct fires *f, fire_plan *p)
{
	int n = (int)(f->ontime.count < FIRE_RUNS_MAX ? f->ontime.count : FIRE_RUNS_MAX);
	int free_slots = in->free_slots > 0 ? in->free_slots : 0;
	int runs = n < free_slots ? n : free_slots;
	int merged = in->coalesce && f->late.count;

	if (!merged) {
		p->missed = f->late;
		p->missed_reason = FIRE_SKIP_MISFIRE;
	}
	for (int i = 0; i < runs; i++)
		p->run_ms[p->nrun++] = f->ontime_ms[i];
	if (merged && !n && free_slots) {
		p->run_ms[p->nrun++] = f->late.last_ms;
		p->coalesced = f->late.count - 1;
	} else if (merged && runs) {
		p->coalesced = f->late.count;
	} else if (merged) {
		p->over = f->late;  /* no instance free: they go with the on-time ones */
	}
	if (f->ontime.count > runs) {
		fire_range rest = {f->ontime_ms[runs], f->ontime.last_ms, f->ontime.count - runs,
				   f->ontime.more}; /* runs <= FIRE_RUNS_MAX: stored */
		range_merge(&p->over, &rest);
	}
}

void fire_plan_make(const fire_input *in, fire_plan *p)
{
	struct fires f;
	int jumped;

	memset(p, 0, sizeof(*p));
	range_init(&p->missed);
	range_init(&p->over);
	p->last_fire_ms = ZQ_TIME_NONE;
	p->next_ms = in->next_run_ms;
	if (in->next_run_ms == ZQ_TIME_NONE || in->next_run_ms > in->now_ms)
		return;
	enumerate(in, &f);
	p->last_fire_ms = f.latest;
	p->next_ms = f.next;
	jumped = in->jump_ms != ZQ_TIME_NONE && in->next_run_ms <= in->jump_ms;
	if (jumped)
		plan_jumped(in, &f, p);
	else
		plan_each(in, &f, p);
}

int64_t fire_clock_jump(int64_t prev_wall_ms, int64_t prev_mono_ms, int64_t wall_ms,
			int64_t mono_ms, int64_t tolerance_ms)
{
	int64_t d = (wall_ms - prev_wall_ms) - (mono_ms - prev_mono_ms);

	return d > tolerance_ms || d < -tolerance_ms ? d : 0;
}
