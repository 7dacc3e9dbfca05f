// The long-running client modes: one TCP connection echoing a paced byte
// stream, one UDP flow of numbered datagrams. Both measure what a dataplane
// change (an agent restart, a backend removal) does to established flows.
#ifndef SLUICE_TOOLS_NAMESERVER_STREAM_H_
#define SLUICE_TOOLS_NAMESERVER_STREAM_H_

#include <ostream>

#include "absl/status/statusor.h"
#include "tools/nameserver/protocol.h"

namespace sluice::testserver {

// Prints {"name", "sent", "received", "mismatched", "max_gap_ms",
// "duration_ms", "error"}; 0 when every byte came back intact.
absl::StatusOr<int> TcpStream(const Flags& flags, const SockAddr& to, std::ostream& out);

// Prints {"sent", "received", "lost", "duplicates", "refused", "names",
// "switches", "first", "last", "max_gap_ms"}; 0 when nothing was lost.
absl::StatusOr<int> UdpStream(const Flags& flags, const SockAddr& to, std::ostream& out);

}  // namespace sluice::testserver

#endif  // SLUICE_TOOLS_NAMESERVER_STREAM_H_
