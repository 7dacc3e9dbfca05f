/* The one ABI shared by the BPF programs, the engines, the agent and the tools.
 *
 * Every map key and value, constant and enum that crosses the boundary between
 * the packet core and the code that programs it lives here. Fixed-width fields,
 * explicit padding, no bitfields; C++ static_asserts the sizes in lb_abi_check.h.
 * Multi-byte addresses and ports are in network byte order (marked __be*).
 */
#ifndef SLUICE_DATAPLANE_ABI_LB_ABI_H_
#define SLUICE_DATAPLANE_ABI_LB_ABI_H_

#include <linux/types.h>

#define LB_ABI_VERSION 1

/* Backend ids are below this: an array says which are alive, so that the
 * established-flow path checks its backend without a hash lookup. */
#define LB_MAX_BACKEND_IDS 1048576

/* Service ids are below this (the round-robin positions are an array
 * indexed by service id). */
#define LB_MAX_IDS 262144

/* Address families as they appear in keys. Values equal the IP version. */
enum lb_family {
  LB_AF_INET = 4,
  LB_AF_INET6 = 6,
};

/* IPv4 lives in w[0]; the other words are zero so that one key type serves
 * both families (and a memcmp of two keys is meaningful). */
union lb_addr {
  __be32 v4;
  __be32 w[4];
  __u8 b[16];
};

/* ---- frontends ------------------------------------------------------- */

enum lb_frontend_kind {
  LB_FE_CLUSTER_IP = 1,
  LB_FE_NODE_PORT = 2,
  LB_FE_LOAD_BALANCER = 3,
  LB_FE_EXTERNAL_IP = 4,
};

/* Frontend flags (lb_frontend_value.flags). */
#define LB_FE_F_MASQUERADE (1u << 0) /* SNAT external clients (externalTrafficPolicy=Cluster) */
#define LB_FE_F_LOCAL_ONLY (1u << 1) /* use the service's node-local backend table */

/* A NodePort frontend that listens on every node address is stored with
 * addr all zero; the core looks it up when the destination is a node address. */
struct lb_frontend_key {
  union lb_addr addr;
  __be16 port;
  __u8 proto; /* IPPROTO_TCP, IPPROTO_UDP, IPPROTO_SCTP */
  __u8 family;
};

struct lb_frontend_value {
  __u32 service_id;
  __u8 kind;  /* enum lb_frontend_kind */
  __u8 flags; /* LB_FE_F_* */
  __u16 pad;
};

/* ---- services and their backend tables ------------------------------- */

enum lb_algorithm {
  LB_ALG_MAGLEV = 1,
  LB_ALG_ROUND_ROBIN = 2,
  LB_ALG_RANDOM = 3,
};

/* Which backend table a lookup uses: every usable backend, or only those on
 * this node (externalTrafficPolicy / internalTrafficPolicy Local). */
enum lb_table_scope {
  LB_SCOPE_CLUSTER = 0,
  LB_SCOPE_LOCAL = 1,
  LB_SCOPE_COUNT = 2,
};

#define LB_SVC_F_AFFINITY (1u << 0) /* sessionAffinity: ClientIP */

/* A service's backend tables are double-buffered: user space writes the
 * tables of generation gen^1, then replaces this value in one map update.
 * A packet copies this value once, so it sees the old tables or the new. */
struct lb_service {
  __u32 table_size[LB_SCOPE_COUNT]; /* 0 = no usable endpoint: reject */
  __u32 affinity_timeout_s;
  __u8 algorithm; /* enum lb_algorithm */
  __u8 flags;     /* LB_SVC_F_* */
  __u8 gen;       /* 0 or 1 */
  __u8 pad;
};

/* Key of one slot of a backend table: Maglev lookup table (size M) or, for
 * round-robin and random, the weighted list of backends. Value: backend id. */
struct lb_table_key {
  __u32 service_id;
  __u8 gen;
  __u8 scope;
  __u16 pad;
  __u32 index;
};

/* In BPF, each table is an array of its own (a Maglev table of M slots),
 * found by this key in a hash of maps; replacing the entry swaps a table. */
struct lb_table_ref {
  __u32 service_id;
  __u8 gen;
  __u8 scope;
  __u16 pad;
};

#define LB_BE_F_LOCAL (1u << 0)       /* endpoint runs on this node */
#define LB_BE_F_TERMINATING (1u << 1) /* endpoint is terminating (kept for old flows) */
/* The backend is in the service's current cluster-wide / node-local table:
 * session affinity sticks to a backend only while this holds. */
#define LB_BE_F_SELECTABLE_CLUSTER (1u << 2)
#define LB_BE_F_SELECTABLE_LOCAL (1u << 3)

/* Backend id 0 is never allocated: it means "none". Ids are per service port,
 * so that the flags describe this backend in this service. */
struct lb_backend {
  union lb_addr addr;
  __be16 port;
  __u8 family;
  __u8 flags;       /* LB_BE_F_* */
  __u32 service_id; /* the service port this backend belongs to (for user space) */
};

/* User-space metadata, not read by the programs: the name of each service id
 * ("namespace/name:port/v4"), so that a restarted agent adopts what it
 * programmed before and tools can say which service an id is. */
#define LB_SERVICE_NAME_LEN 128
struct lb_service_name {
  char name[LB_SERVICE_NAME_LEN];
};

/* ---- session affinity ------------------------------------------------ */

struct lb_affinity_key {
  union lb_addr client;
  __u32 service_id;
};

struct lb_affinity_value {
  __u64 last_used_ns;
  __u32 backend_id;
  __u32 pad;
};

/* ---- connection tracking --------------------------------------------- */

/* A tuple as seen on the wire (before translation). */
struct lb_ct_key {
  union lb_addr saddr;
  union lb_addr daddr;
  __be16 sport;
  __be16 dport;
  __u8 proto;
  __u8 family;
  __u16 pad;
};

/* The BPF engine keeps IPv4 flows under this compact form of lb_ct_key: the
 * map hashes every key on every packet, and 16 bytes hash in a third of the
 * time of 40. */
struct lb_ct4_key {
  __be32 saddr;
  __be32 daddr;
  __be16 sport;
  __be16 dport;
  __u8 proto;
  __u8 pad[3];
};

enum lb_tcp_state {
  LB_TCP_NONE = 0, /* not TCP */
  LB_TCP_SYN = 1,
  LB_TCP_ESTABLISHED = 2,
  LB_TCP_CLOSING = 3, /* FIN or RST seen */
};

#define LB_CT_F_DNAT (1u << 0)  /* rewrite destination to nat_daddr:nat_dport */
#define LB_CT_F_SNAT (1u << 1)  /* rewrite source to nat_saddr:nat_sport */
#define LB_CT_F_REPLY (1u << 2) /* entry matches the reply direction */

/* One entry per direction. A forward entry (client -> frontend) DNATs to the
 * backend and maybe SNATs to the node; its reply entry (backend -> client or
 * node) rewrites the source back to the frontend and maybe the destination
 * back to the client. The core applies either with the same code. */
struct lb_ct_entry {
  union lb_addr nat_saddr;
  union lb_addr nat_daddr;
  __be16 nat_sport;
  __be16 nat_dport;
  __u32 service_id;
  __u32 backend_id;
  __u8 flags;     /* LB_CT_F_* */
  __u8 tcp_state; /* enum lb_tcp_state, of packets in this entry's direction */
  __u16 pad;
  __u64 expires_ns;
};

/* The BPF engine's IPv4 conntrack is a table of its own in one array map
 * (BPF_F_MMAPABLE), not a kernel hash map: a new flow writes two entries, and
 * the LRU hash map's allocation and eviction cost most of a new flow (several
 * microseconds once full). A key lives in its primary bucket, or in its
 * secondary one when the primary's ways are all taken; a full pair of buckets
 * gives up the primary's entry that expires first. Each way's tag is written
 * last: 0 empty, LB_CT4_TAG_BUSY while being written, else the key's hash
 * with LB_CT4_TAG_LIVE set and LB_CT4_TAG_DISPLACED when it sits in its
 * secondary bucket. Programs insert under the primary bucket's lock (a word
 * only programs take); user space deletes by swapping a tag it read for 0.
 * The hash and the bucket choice are lb_ct4_hash() and friends in
 * dataplane/core/lb_hash.h, shared with user space. */
#define LB_CT4_WAYS 8
#define LB_CT4_BUCKETS 32768 /* a power of two: LB_CT4_BUCKETS * LB_CT4_WAYS entries */
#define LB_CT4_TAG_EMPTY 0u
#define LB_CT4_TAG_BUSY 1u
#define LB_CT4_TAG_DISPLACED 1u /* only with LB_CT4_TAG_LIVE */
#define LB_CT4_TAG_LIVE 2u

struct lb_ct4_slot {
  struct lb_ct4_key key;
  struct lb_ct_entry entry;
};

struct lb_ct4_bucket {
  __u32 tags[LB_CT4_WAYS]; /* the first cache line: a miss reads no other */
  __u32 lock;
  __u32 displaced; /* entries whose primary bucket this is, in their secondary */
  __u32 pad[6];
  struct lb_ct4_slot slots[LB_CT4_WAYS];
};

/* ---- fragments --------------------------------------------------------- */

/* The first fragment of a datagram records its ports so that later
 * fragments (which carry no L4 header) follow the same translation. */
struct lb_frag_key {
  union lb_addr saddr;
  union lb_addr daddr;
  __u32 id; /* IPv4 id (16 bits) or IPv6 fragment id, host byte order */
  __u8 proto;
  __u8 family;
  __u16 pad;
};

struct lb_frag_value {
  __be16 sport;
  __be16 dport;
  __u32 pad;
  __u64 expires_ns;
};

/* ---- socket load balancing --------------------------------------------- */

/* A socket (by cookie) talking to a backend it was pointed at... */
struct lb_sock_rev_key {
  __u64 cookie;
  union lb_addr backend;
  __be16 port;
  __u8 family;
  __u8 pad[5];
};

/* ...which stands for this service address. */
struct lb_sock_rev_value {
  union lb_addr addr;
  __be16 port;
  __u8 pad[2];
};

/* The BPF programs' clock, one value: now = ticks * ns_per_tick + base_ns +
 * offset_ns, where ticks are the kernel's jiffies (read without a helper
 * call); ns_per_tick 0 means "the coarse monotonic clock + offset_ns". The
 * loader's sync program sets base_ns so that the clock reads
 * CLOCK_MONOTONIC_COARSE (within a tick); tests move time with offset_ns. */
struct lb_clock {
  __u64 ns_per_tick;
  __u64 base_ns;
  __u64 offset_ns;
};

/* ---- configuration ----------------------------------------------------- */

#define LB_MAX_NODE_ADDRS 8

/* Node-wide settings: one value, written by the agent. */
struct lb_config {
  union lb_addr node_addr4; /* SNAT source for IPv4 masquerade and hairpin */
  union lb_addr node_addr6; /* SNAT source for IPv6 */
  __u16 snat_port_min;      /* host byte order; never overlaps the NodePort range */
  __u16 snat_port_max;
  __u16 nodeport_min;
  __u16 nodeport_max;
  __u32 tcp_syn_timeout_s;
  __u32 tcp_established_timeout_s;
  __u32 tcp_closing_timeout_s;
  __u32 udp_timeout_s;
  __u32 frag_timeout_s;
  __u32 pad;
};

/* Node addresses: NodePort frontends stored with a zero address match any
 * destination found in this set. Key: the address; value: unused (1). */
struct lb_node_addr_key {
  union lb_addr addr;
  __u8 family;
  __u8 pad[3];
};

/* ---- verdicts, egress and counters ------------------------------------ */

enum lb_verdict {
  LB_VERDICT_PASS = 0,    /* not ours: hand to the stack untouched */
  LB_VERDICT_FORWARD = 1, /* translated: send as lb_result.egress says */
  LB_VERDICT_REJECT = 2,  /* rewritten into a TCP RST / ICMP unreachable: send back */
  LB_VERDICT_DROP = 3,    /* dropped; lb_result.reason says why */
};

enum lb_egress {
  LB_EGRESS_NONE = 0,
  LB_EGRESS_ROUTE = 1,  /* route towards the (new) destination address */
  LB_EGRESS_BOUNCE = 2, /* send back out of the interface it came in on */
};

/* Stable, numbered drop reasons: a retired number stays retired. */
enum lb_drop_reason {
  LB_DROP_NONE = 0,
  LB_DROP_MALFORMED_L2 = 1,        /* Ethernet header truncated */
  LB_DROP_MALFORMED_L3 = 2,        /* bad IP version, IHL < 5, bad or truncated lengths */
  LB_DROP_MALFORMED_L4 = 3,        /* L4 header truncated, TCP data offset < 5, bad UDP length */
  LB_DROP_IPV6_EXT_CHAIN = 4,      /* more IPv6 extension headers than the core walks */
  LB_DROP_FRAG_UNKNOWN = 5,        /* later fragment whose first fragment was not seen */
  LB_DROP_NO_BACKEND = 6,          /* table slot empty or backend gone mid-update */
  LB_DROP_SNAT_EXHAUSTED = 7,      /* no free SNAT source port */
  LB_DROP_CT_FULL = 8,             /* conntrack map update failed */
  LB_DROP_NO_ENDPOINTS = 9,        /* no endpoints, and the packet gets no reject (RST, fragment) */
  LB_DROP_SCTP_TOO_LONG = 10,      /* SCTP packet too long to recompute its CRC32c */
  LB_DROP_REJECT_FAILED = 11,      /* could not build the reject packet */
  LB_DROP_UNSUPPORTED_L4 = 12,     /* service port hit by a protocol we cannot translate */
  LB_DROP_NO_LOCAL_ENDPOINTS = 13, /* Local traffic policy, endpoints only on other nodes */
  LB_DROP_REASON_COUNT = 14,
};

/* lb_ports values, per port: some frontend listens on it (destination), some
 * backend answers from it (source). A TCP/UDP/SCTP packet with neither can
 * have no conntrack entry: its lookup is skipped. */
enum lb_port_flags {
  LB_PORT_F_FRONTEND = 1,
  LB_PORT_F_BACKEND = 2,
};

/* Counter slots: verdicts first, then one slot per drop reason. */
enum lb_counter {
  LB_CNT_PASS = 0,
  LB_CNT_FORWARD = 1,
  LB_CNT_REJECT = 2,
  LB_CNT_DROP = 3,
  LB_CNT_CT_NEW = 4,
  LB_CNT_CT_HIT = 5,
  LB_CNT_REPLY = 6,
  LB_CNT_ICMP_ERROR = 7,
  LB_CNT_FRAG_FOLLOWED = 8,
  LB_CNT_CT_EVICTED = 9, /* a live conntrack entry given up for a new one (table full) */
  LB_CNT_DROP_BASE = 16, /* + enum lb_drop_reason */
  LB_CNT_COUNT = LB_CNT_DROP_BASE + LB_DROP_REASON_COUNT,
};

/* Where a packet entered: decides whether external-only rules (masquerade of
 * external clients) apply. */
enum lb_hook {
  LB_HOOK_EXTERNAL = 0, /* from outside the node (XDP on an external interface) */
  LB_HOOK_LOCAL = 1,    /* from a pod or the node itself (tc on pod veths, socket hooks) */
};

/* Result of lb_process for one packet. */
struct lb_result {
  __u8 verdict; /* enum lb_verdict */
  __u8 egress;  /* enum lb_egress */
  __u8 reason;  /* enum lb_drop_reason, when verdict is DROP */
  __u8 pad;
  __u32 service_id; /* 0 when no service matched */
  __u32 backend_id; /* 0 when no backend was chosen */
  __u32 pad2;
};

#endif /* SLUICE_DATAPLANE_ABI_LB_ABI_H_ */
