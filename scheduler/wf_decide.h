/* wf_decide.h - the workflow engine's decision, pure (no database, no
 * clock): given a run's plan and the state of each node (derived from the
 * node's latest child execution), which nodes start now, which are recorded
 * skipped, whether children must be asked to stop, and whether the run ends
 * and how (README "Workflows"). Unit-tested in tests/unit/test_wf_decide.c.
 *
 * Rules, in order:
 *   halt (the run was cancelled or timed out): start nothing, ask every
 *     pending or running child to stop; once none is active the run ends
 *     terminated ("cancelled") or failed ("timed out after N s").
 *   on_failure stop, a node failed: start nothing, cancel pending children,
 *     let running ones finish; then the run ends failed, naming the failure.
 *   otherwise, over the topological order: a waiting node with a failed or
 *     skipped dependency is recorded skipped ("dependency 12 failed"); one
 *     whose dependencies all succeeded is ready. serial starts the first
 *     ready node when nothing is active; parallel starts every ready node.
 *     When nothing is active or waiting the run ends success, or completed
 *     if a node failed (on_failure continue).
 * A node's retries happen before it counts as failed: a failed attempt with
 * a retry pending is still active. */
#ifndef ZQ_SCHED_WF_DECIDE_H
#define ZQ_SCHED_WF_DECIDE_H

#include <stdint.h>

#include "wf_graph.h"

enum wf_node_state {
	WF_NODE_WAITING = 0,  /* no child yet */
	WF_NODE_ACTIVE,       /* latest attempt pending or running */
	WF_NODE_OK,           /* latest attempt succeeded */
	WF_NODE_FAILED,       /* failed, cancelled, a nested run with failures, or task gone */
	WF_NODE_SKIPPED,      /* not run: a dependency did not succeed */
};

typedef struct wf_node_run {
	int state;            /* enum wf_node_state */
	int cancelled;        /* FAILED because it was cancelled (not the root cause) */
	const char *name;     /* for messages: the node's or its task's name, or NULL */
	const char *error;    /* why it failed, or NULL (borrowed) */
} wf_node_run;

/* The node state a child execution's status (enum zq_exec_status) means. */
int wf_node_state_of(int exec_status);

enum wf_halt { WF_GO = 0, WF_HALT_CANCEL, WF_HALT_TIMEOUT };
enum wf_cancel { WF_CANCEL_NONE = 0, WF_CANCEL_PENDING, WF_CANCEL_ALL };

typedef struct wf_decision {
	int *start;           /* node indexes to start now, in order */
	int nstart;
	int *skip;            /* node indexes to record skipped ... */
	char **skip_reason;   /* ... with these reasons */
	int nskip;
	int cancel;           /* enum wf_cancel: which children to ask to stop */
	int final_status;     /* enum zq_exec_status when the run ends now, else -1 */
	char *error;          /* error_message of the ended run, or NULL */
	char *message;        /* progress_message */
	int total, finished, active, ok, failed, skipped;  /* after the decision */
} wf_decision;

/* Decide for a run of wf (valid: order set) whose nodes are in nodes[0..n);
 * nodes started or skipped by the decision are updated in place. halt is an
 * enum wf_halt; timeout_s names the limit in the message. d is the caller's
 * to wf_decision_release. */
void wf_decide(const zq_workflow *wf, wf_node_run *nodes, int halt, int timeout_s,
	       wf_decision *d);
void wf_decision_release(wf_decision *d);

#endif
