// Builds test packets from a YAML description, with every checksum computed
// from scratch (so that the core's incremental updates are checked against an
// independent computation). Used by the fixture suite of every engine.
//
//   eth:  {src: "02:..", dst: "02:.."}                       (optional)
//   ipv4: {src, dst, ttl, id, tos, df, mf, frag_offset, options: hex,
//          ihl, tot_len, proto, check}                       (overrides make it malformed)
//   ipv6: {src, dst, hlim, ext: [{hop: N} | {dest: N} | {routing: N} |
//          {frag: {offset, mf, id}}], payload_len}
//   tcp:  {sport, dport, flags: "SA", seq, ack, window, options: hex, doff}
//   udp:  {sport, dport, len, zero_checksum: true}
//   sctp: {sport, dport, tag}
//   icmp: {type, code, rest: hex, quote: {ipv4|ipv6: ..., tcp|udp: ..., cut: N}}
//   payload: hex | payload_len: N
//   truncate: N            (cut the frame to N bytes)
//   raw: hex               (the whole frame, nothing else applies)
#ifndef SLUICE_TESTS_PACKET_PACKET_BUILDER_H_
#define SLUICE_TESTS_PACKET_PACKET_BUILDER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "yaml-cpp/yaml.h"

namespace sluice::testing {

absl::StatusOr<std::vector<uint8_t>> BuildPacket(const YAML::Node& spec);

// Parses "de ad be ef" / "deadbeef" hex.
absl::StatusOr<std::vector<uint8_t>> ParseHex(const std::string& hex);

// A readable dump of a frame (headers decoded, then hex) for test failures.
std::string DescribePacket(const std::vector<uint8_t>& frame);

}  // namespace sluice::testing

#endif  // SLUICE_TESTS_PACKET_PACKET_BUILDER_H_
