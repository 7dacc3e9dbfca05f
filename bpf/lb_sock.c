/* cgroup socket programs: ClusterIP (and every other frontend) for the
 * node's own sockets, translated once at connect()/sendmsg() time; the
 * service address shown back by getpeername() and recvmsg(). */
#include <linux/bpf.h>

#include <bpf/bpf_helpers.h>

struct lb_ctx {
  struct bpf_sock_addr* sa;
};

#include "bpf/lb_env_maps.h"

/* The packet half of the access layer has no packet here; the socket path
 * never calls it, but the core's headers refer to it. */
static __always_inline __u8* lb_pkt_data(struct lb_ctx* c) {
  return 0;
}
static __always_inline __u8* lb_pkt_end(struct lb_ctx* c) {
  return 0;
}
static __always_inline __u32 lb_pkt_len(struct lb_ctx* c) {
  return 0;
}
static __always_inline int lb_pkt_adjust_head(struct lb_ctx* c, int d) {
  return -1;
}
static __always_inline int lb_pkt_adjust_tail(struct lb_ctx* c, int d) {
  return -1;
}
static __always_inline __s64 lb_pkt_csum(struct lb_ctx* c, __u32 o, __u32 l) {
  return -1;
}
static __always_inline __s64 lb_pkt_crc32c(struct lb_ctx* c, __u32 o, __u32 l) {
  return -1;
}
static __always_inline int lb_pkt_l4_csum_partial(struct lb_ctx* c) {
  return 0;
}

#include "dataplane/core/lb_sock.h"

#define LB_ECONNREFUSED 111

static __always_inline void lb_sock_read(struct bpf_sock_addr* sa, int v6, struct lb_sock_req* r) {
  __builtin_memset(r, 0, sizeof(*r));
  if (v6) {
    r->addr.w[0] = sa->user_ip6[0];
    r->addr.w[1] = sa->user_ip6[1];
    r->addr.w[2] = sa->user_ip6[2];
    r->addr.w[3] = sa->user_ip6[3];
  } else {
    r->addr.w[0] = sa->user_ip4;
  }
  r->port = (__be16)sa->user_port;
  r->family = v6 ? LB_AF_INET6 : LB_AF_INET;
  r->proto = (__u8)sa->protocol;
  r->cookie = bpf_get_socket_cookie(sa);
}

static __always_inline void lb_sock_write(struct bpf_sock_addr* sa, int v6, const union lb_addr* a,
                                          __be16 port) {
  if (v6) {
    sa->user_ip6[0] = a->w[0];
    sa->user_ip6[1] = a->w[1];
    sa->user_ip6[2] = a->w[2];
    sa->user_ip6[3] = a->w[3];
  } else {
    sa->user_ip4 = a->w[0];
  }
  sa->user_port = port;
}

/* The reverse map's key: this socket talking to this backend. */
static __always_inline void lb_sock_rev_key_of(const struct lb_sock_req* r,
                                               struct lb_sock_rev_key* k) {
  __builtin_memset(k, 0, sizeof(*k));
  k->cookie = r->cookie;
  lb_addr_copy(&k->backend, &r->addr);
  k->port = r->port;
  k->family = r->family;
}

/* connect() and sendmsg(): point the socket at a backend, remember what for. */
static __always_inline int lb_sock_forward(struct bpf_sock_addr* sa, int v6) {
  struct lb_ctx ctx = {.sa = sa};
  struct lb_sock_req r;
  lb_sock_read(sa, v6, &r);
  struct lb_sock_rev_value orig;
  __builtin_memset(&orig, 0, sizeof(orig));
  lb_addr_copy(&orig.addr, &r.addr);
  orig.port = r.port;
  int v = lb_sock_translate(&ctx, &r);
  if (v == LB_SOCK_REJECT) {
    bpf_set_retval(-LB_ECONNREFUSED);
    return 0;
  }
  if (v != LB_SOCK_TRANSLATED) return 1;
  struct lb_sock_rev_key k;
  lb_sock_rev_key_of(&r, &k);
  bpf_map_update_elem(&lb_sock_rev, &k, &orig, BPF_ANY);
  lb_sock_write(sa, v6, &r.addr, r.port);
  return 1;
}

/* getpeername() and recvmsg(): show the service address, not the backend. */
static __always_inline int lb_sock_reverse(struct bpf_sock_addr* sa, int v6) {
  struct lb_sock_req r;
  lb_sock_read(sa, v6, &r);
  struct lb_sock_rev_key k;
  lb_sock_rev_key_of(&r, &k);
  struct lb_sock_rev_value* orig = bpf_map_lookup_elem(&lb_sock_rev, &k);
  if (orig) lb_sock_write(sa, v6, &orig->addr, orig->port);
  return 1;
}

SEC("cgroup/connect4")
int lb_connect4(struct bpf_sock_addr* sa) {
  return lb_sock_forward(sa, 0);
}
SEC("cgroup/connect6")
int lb_connect6(struct bpf_sock_addr* sa) {
  return lb_sock_forward(sa, 1);
}
SEC("cgroup/sendmsg4")
int lb_sendmsg4(struct bpf_sock_addr* sa) {
  return lb_sock_forward(sa, 0);
}
SEC("cgroup/sendmsg6")
int lb_sendmsg6(struct bpf_sock_addr* sa) {
  return lb_sock_forward(sa, 1);
}
SEC("cgroup/recvmsg4")
int lb_recvmsg4(struct bpf_sock_addr* sa) {
  return lb_sock_reverse(sa, 0);
}
SEC("cgroup/recvmsg6")
int lb_recvmsg6(struct bpf_sock_addr* sa) {
  return lb_sock_reverse(sa, 1);
}
SEC("cgroup/getpeername4")
int lb_getpeername4(struct bpf_sock_addr* sa) {
  return lb_sock_reverse(sa, 0);
}
SEC("cgroup/getpeername6")
int lb_getpeername6(struct bpf_sock_addr* sa) {
  return lb_sock_reverse(sa, 1);
}

char LICENSE[] SEC("license") = "GPL";
