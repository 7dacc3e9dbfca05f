/* tc programs (attached with tcx links): the packet core where XDP cannot
 * serve. Ingress on pods' veths (ClusterIP from pods; socket buffers with
 * offloaded checksums and segmentation, which XDP on a veth does not get)
 * and, as an alternative to XDP, on external interfaces; egress on external
 * interfaces for what the node itself sends without socket load balancing
 * (ClusterIP and frontends from processes outside the socket hooks' cgroup),
 * which no ingress hook sees. */
#include "bpf/lb_env_tc.h"
#include "bpf/lb_fib.h"

#include <linux/pkt_cls.h>

#include "dataplane/core/lb_core.h"

#define LB_TC_PULL 128 /* headers the core reads, made linear first */

/* Set by the agent when attached to a node: send translated packets on by
 * FIB lookup and bpf_redirect_neigh() instead of back to the stack (an IPv4
 * packet masqueraded to a node address is a martian on the input path). Off
 * in BPF_PROG_TEST_RUN tests, where the packet must come back as the core
 * left it. */
volatile __u32 lb_tc_redirect = 0;

/* Routes a translated (or rejected) packet and hands it to the neighbour
 * layer of the output interface. Ingress packets are forwarded (TTL), egress
 * ones are the node's own. A destination on this node goes up the stack. */
static __always_inline int lb_tc_forward(struct __sk_buff* skb, int egress) {
  struct bpf_fib_lookup fib = {};
  if (lb_fib_prepare((__u8*)(long)skb->data, (__u8*)(long)skb->data_end, &fib, !egress))
    return TC_ACT_OK;
  /* Looked up as if the packet came in here, in both directions: an output
   * lookup (BPF_FIB_LOOKUP_OUTPUT) would keep it on this interface, where
   * the stack sent it before it had its backend's address. */
  fib.ifindex = egress ? skb->ifindex : skb->ingress_ifindex;
  long rc = bpf_fib_lookup(skb, &fib, sizeof(fib), 0);
  if (rc == BPF_FIB_LKUP_RET_SUCCESS || rc == BPF_FIB_LKUP_RET_NO_NEIGH) {
    if (!egress && lb_fib_forwarded((__u8*)(long)skb->data, (__u8*)(long)skb->data_end))
      return TC_ACT_OK;
    /* The neighbour layer fills in the MAC addresses (and resolves them). */
    return (int)bpf_redirect_neigh(fib.ifindex, 0, 0, 0);
  }
  /* For this node (an answer to one of its own packets): up its stack. */
  if (egress && rc == BPF_FIB_LKUP_RET_NOT_FWDED)
    return (int)bpf_redirect(skb->ifindex, BPF_F_INGRESS);
  return TC_ACT_OK;
}

static __always_inline int lb_tc(struct __sk_buff* skb, int hook, int egress) {
  __u32 pull = skb->len < LB_TC_PULL ? skb->len : LB_TC_PULL;
  if ((__u64)(skb->data_end - skb->data) < pull) bpf_skb_pull_data(skb, pull);
  struct lb_ctx ctx = {.raw = skb, .csum_partial = lb_skb_csum_partial(skb)};
  struct lb_result res;
  lb_process(&ctx, hook, &res);
  switch (res.verdict) {
    case LB_VERDICT_DROP:
      return TC_ACT_SHOT;
    case LB_VERDICT_REJECT:
    case LB_VERDICT_FORWARD:
      return lb_tc_redirect ? lb_tc_forward(skb, egress) : TC_ACT_OK;
    default:
      return TC_ACT_OK;
  }
}

SEC("tc")
int lb_tc_external(struct __sk_buff* skb) {
  return lb_tc(skb, LB_HOOK_EXTERNAL, 0);
}

SEC("tc")
int lb_tc_local(struct __sk_buff* skb) {
  return lb_tc(skb, LB_HOOK_LOCAL, 0);
}

SEC("tc")
int lb_tc_egress(struct __sk_buff* skb) {
  return lb_tc(skb, LB_HOOK_LOCAL, 1);
}

char LICENSE[] SEC("license") = "GPL";
