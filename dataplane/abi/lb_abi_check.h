// Compile-time checks that the ABI's layout is what every side expects.
// Included by C++ code that touches the maps; a change that moves a field
// fails the build here instead of corrupting a map at run time.
#ifndef SLUICE_DATAPLANE_ABI_LB_ABI_CHECK_H_
#define SLUICE_DATAPLANE_ABI_LB_ABI_CHECK_H_

#include <cstddef>

#include "dataplane/abi/lb_abi.h"

static_assert(sizeof(union lb_addr) == 16);
static_assert(sizeof(struct lb_frontend_key) == 20);
static_assert(offsetof(struct lb_frontend_key, port) == 16);
static_assert(sizeof(struct lb_frontend_value) == 8);
static_assert(sizeof(struct lb_service) == 16);
static_assert(sizeof(struct lb_table_key) == 12);
static_assert(sizeof(struct lb_table_ref) == 8);
static_assert(sizeof(struct lb_clock) == 24);
static_assert(sizeof(struct lb_backend) == 24);
static_assert(offsetof(struct lb_backend, service_id) == 20);
static_assert(sizeof(struct lb_service_name) == LB_SERVICE_NAME_LEN);
static_assert(sizeof(struct lb_affinity_key) == 20);
static_assert(sizeof(struct lb_affinity_value) == 16);
static_assert(sizeof(struct lb_ct_key) == 40);
static_assert(offsetof(struct lb_ct_key, sport) == 32);
static_assert(offsetof(struct lb_ct_key, proto) == 36);
static_assert(sizeof(struct lb_ct4_key) == 16);
static_assert(sizeof(struct lb_ct_entry) == 56);
static_assert(offsetof(struct lb_ct_entry, expires_ns) == 48);
static_assert(sizeof(struct lb_ct4_slot) == 72);
static_assert(offsetof(struct lb_ct4_bucket, slots) == 64);
static_assert(sizeof(struct lb_ct4_bucket) == 64 + 72 * LB_CT4_WAYS);
static_assert((LB_CT4_BUCKETS & (LB_CT4_BUCKETS - 1)) == 0);
static_assert(sizeof(struct lb_frag_key) == 40);
static_assert(sizeof(struct lb_frag_value) == 16);
static_assert(sizeof(struct lb_config) == 64);
static_assert(sizeof(struct lb_node_addr_key) == 20);
static_assert(sizeof(struct lb_result) == 16);
static_assert(LB_CNT_DROP_BASE > LB_CNT_FRAG_FOLLOWED);
static_assert(sizeof(struct lb_sock_rev_key) == 32);
static_assert(sizeof(struct lb_sock_rev_value) == 20);

#endif  // SLUICE_DATAPLANE_ABI_LB_ABI_CHECK_H_
