/* The BPF maps of one node's datapath. Every program object includes this, so
 * the maps are shared by name when pinned (/sys/fs/bpf/sluice/<node>/). Keys
 * and values are the ABI's (dataplane/abi/lb_abi.h). */
#ifndef SLUICE_BPF_LB_MAPS_H_
#define SLUICE_BPF_LB_MAPS_H_

#include <linux/bpf.h>

#include <bpf/bpf_helpers.h>

#include "dataplane/abi/lb_abi.h"

#ifndef LB_MAX_FRONTENDS
#define LB_MAX_FRONTENDS 1048576
#endif
#ifndef LB_MAX_SERVICES
#define LB_MAX_SERVICES 262144 /* service ids (and backend ids) are below this */
#endif
#ifndef LB_MAX_BACKENDS
#define LB_MAX_BACKENDS 1048576
#endif
#ifndef LB_MAX_CT
#define LB_MAX_CT 262144
#endif
#ifndef LB_MAX_AFFINITY
#define LB_MAX_AFFINITY 65536
#endif
#ifndef LB_MAX_FRAGS
#define LB_MAX_FRAGS 8192
#endif

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct lb_config);
} lb_config SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 64);
  __type(key, struct lb_node_addr_key);
  __type(value, __u8);
} lb_node_addrs SEC(".maps");

/* Large maps are allocated on demand (BPF_F_NO_PREALLOC): lookups cost the
 * same, and a node with few services does not pay for 100,000. */
struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, LB_MAX_FRONTENDS);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __type(key, struct lb_frontend_key);
  __type(value, struct lb_frontend_value);
} lb_frontends SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, LB_MAX_SERVICES);
  __type(key, __u32);
  __type(value, struct lb_service);
} lb_services SEC(".maps");

/* Backend tables: one array per (service, generation, scope), of the table's
 * size (a Maglev table has M slots), in a hash of maps. An array slot is one
 * direct load where a hash of every table's slots cost a cache miss or two. */
struct lb_table_array {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1); /* the template; each table has its own size */
  __uint(map_flags, BPF_F_INNER_MAP);
  __type(key, __u32);
  __type(value, __u32);
};

struct {
  __uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
  __uint(max_entries, 4 * LB_MAX_SERVICES);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __type(key, struct lb_table_ref);
  __array(values, struct lb_table_array);
} lb_tables SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, LB_MAX_BACKENDS);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __type(key, __u32);
  __type(value, struct lb_backend);
} lb_backends SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __uint(max_entries, LB_MAX_AFFINITY);
  __type(key, struct lb_affinity_key);
  __type(value, struct lb_affinity_value);
} lb_affinity SEC(".maps");

/* Conntrack, by family: IPv4 under the compact key. */
/* IPv4 conntrack: the table of bpf/lb_ct4_table.h. Mappable, so that user
 * space deletes with atomics on the tags (dataplane/bpf/ct4_table). */
struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, LB_CT4_BUCKETS);
  __uint(map_flags, BPF_F_MMAPABLE);
  __type(key, __u32);
  __type(value, struct lb_ct4_bucket);
} lb_ct4_buckets SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __uint(max_entries, LB_MAX_CT);
  __type(key, struct lb_ct_key);
  __type(value, struct lb_ct_entry);
} lb_ct6 SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __uint(max_entries, LB_MAX_FRAGS);
  __type(key, struct lb_frag_key);
  __type(value, struct lb_frag_value);
} lb_frags SEC(".maps");

/* Which backend ids exist (1), and per port whether some frontend listens on
 * it and whether some backend answers from it (LB_PORT_F_*): array lookups
 * where a hash lookup would cost more. */
struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, LB_MAX_BACKEND_IDS);
  __type(key, __u32);
  __type(value, __u32);
} lb_backend_alive SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 65536);
  __type(key, __u32);
  __type(value, __u32);
} lb_ports SEC(".maps");

/* Round-robin position per service id. */
struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, LB_MAX_IDS);
  __type(key, __u32);
  __type(value, __u32);
} lb_rr SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, LB_MAX_SERVICES);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __type(key, __u32);
  __type(value, struct lb_service_name);
} lb_service_names SEC(".maps");

/* Socket load balancing: what a socket's backend stands for, so that
 * getpeername() and recvmsg() show the service address. */
struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __uint(max_entries, LB_MAX_CT);
  __type(key, struct lb_sock_rev_key);
  __type(value, struct lb_sock_rev_value);
} lb_sock_rev SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct lb_clock);
} lb_clock SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, LB_CNT_COUNT);
  __type(key, __u32);
  __type(value, __u64);
} lb_counters SEC(".maps");

#endif /* SLUICE_BPF_LB_MAPS_H_ */
