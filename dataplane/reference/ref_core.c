/* The packet core, compiled natively for the reference engine. */
#include "dataplane/reference/ref_env.h"

#include "dataplane/core/lb_core.h"

void lb_ref_process(struct lb_ctx* ctx, int hook, struct lb_result* res) {
  lb_process(ctx, hook, res);
}
