/* tc programs (attached with tcx links): the packet core where XDP cannot
 * serve. Ingress on pods' veths (ClusterIP from pods; socket buffers with
 * offloaded checksums and segmentation, which XDP on a veth does not get)
 * and, as an alternative to XDP, on external interfaces; egress on external
 * interfaces for what the node itself sends without socket load balancing
 * (ClusterIP and frontends from processes outside the socket hooks' cgroup),
 * which no ingress hook sees. */
#include "bpf/lb_env_tc.h"

#include <linux/pkt_cls.h>

#include "dataplane/core/lb_core.h"

#define LB_AF_INET_SOCK 2   /* AF_INET, for bpf_fib_lookup */
#define LB_AF_INET6_SOCK 10 /* AF_INET6 */
#define LB_TC_PULL 128      /* headers the core reads, made linear first */

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
  __u8* data = (__u8*)(long)skb->data;
  __u8* end = (__u8*)(long)skb->data_end;
  struct ethhdr* eth = (struct ethhdr*)data;
  if ((void*)(eth + 1) > (void*)end) return TC_ACT_OK;
  struct bpf_fib_lookup fib = {};
  /* Looked up as if the packet came in here, in both directions: an output
   * lookup (BPF_FIB_LOOKUP_OUTPUT) would keep it on this interface, where
   * the stack sent it before it had its backend's address. */
  fib.ifindex = egress ? skb->ifindex : skb->ingress_ifindex;
  __u32 flags = 0;
  long rc;
  if (eth->h_proto == bpf_htons(ETH_P_IP)) {
    struct iphdr* ip = (struct iphdr*)(eth + 1);
    if ((void*)(ip + 1) > (void*)end) return TC_ACT_OK;
    if (!egress && ip->ttl <= 1) return TC_ACT_OK;
    fib.family = LB_AF_INET_SOCK;
    fib.tos = ip->tos;
    fib.l4_protocol = ip->protocol;
    fib.tot_len = bpf_ntohs(ip->tot_len);
    fib.ipv4_src = ip->saddr;
    fib.ipv4_dst = ip->daddr;
    rc = bpf_fib_lookup(skb, &fib, sizeof(fib), flags);
    if (rc != BPF_FIB_LKUP_RET_SUCCESS && rc != BPF_FIB_LKUP_RET_NO_NEIGH) goto not_forwarded;
    if (!egress) {
      data = (__u8*)(long)skb->data;
      end = (__u8*)(long)skb->data_end;
      ip = (struct iphdr*)(data + sizeof(struct ethhdr));
      if ((void*)(ip + 1) > (void*)end) return TC_ACT_OK;
      __u16 check = ip->check;
      lb_csum_replace2(&check, bpf_htons((__u16)ip->ttl << 8),
                       bpf_htons((__u16)(ip->ttl - 1) << 8));
      ip->ttl--;
      ip->check = check;
    }
  } else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
    struct ipv6hdr* ip6 = (struct ipv6hdr*)(eth + 1);
    if ((void*)(ip6 + 1) > (void*)end) return TC_ACT_OK;
    if (!egress && ip6->hop_limit <= 1) return TC_ACT_OK;
    fib.family = LB_AF_INET6_SOCK;
    fib.l4_protocol = ip6->nexthdr;
    fib.tot_len = bpf_ntohs(ip6->payload_len) + sizeof(struct ipv6hdr);
    __builtin_memcpy(fib.ipv6_src, &ip6->saddr, 16);
    __builtin_memcpy(fib.ipv6_dst, &ip6->daddr, 16);
    rc = bpf_fib_lookup(skb, &fib, sizeof(fib), flags);
    if (rc != BPF_FIB_LKUP_RET_SUCCESS && rc != BPF_FIB_LKUP_RET_NO_NEIGH) goto not_forwarded;
    if (!egress) {
      data = (__u8*)(long)skb->data;
      end = (__u8*)(long)skb->data_end;
      ip6 = (struct ipv6hdr*)(data + sizeof(struct ethhdr));
      if ((void*)(ip6 + 1) > (void*)end) return TC_ACT_OK;
      ip6->hop_limit--;
    }
  } else {
    return TC_ACT_OK;
  }
  /* The neighbour layer fills in the MAC addresses (and resolves them). */
  return (int)bpf_redirect_neigh(fib.ifindex, 0, 0, 0);

not_forwarded:
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
