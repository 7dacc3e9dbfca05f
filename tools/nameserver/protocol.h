// The wire protocol of sluice-testserver, shared by its server and clients.
//
// TCP. On accept the server sends its name and a newline ("be0\n"). The
// client may then send command lines:
//   "PEER\n"  the server answers "PEER <addr> <port>\n": the client's address
//             as the backend sees it (IPv4 shown plain, not v4-mapped), so a
//             test can tell masquerade from a kept source address;
//   "ECHO\n"  from then on every byte is echoed back until the client closes
//             its side; the server then closes. Counting what goes out and
//             what comes back measures both directions of a long stream;
//   "QUIT\n"  or EOF: the server closes.
// Silence holds the connection open (for an idle timeout set at start).
//
// UDP. Every datagram is answered, from the address it was sent to, with the
// name, a newline and the datagram's payload echoed ("be0\nSEQ 17 ..."). A
// payload of exactly "PEER" is answered "be0\nPEER <addr> <port>\n". Streams
// send "SEQ <n>" padded to a size; the echoed number tells which datagrams
// came back, so losses and duplicates are counted and the name shows which
// backend answered each one.
#ifndef SLUICE_TOOLS_NAMESERVER_PROTOCOL_H_
#define SLUICE_TOOLS_NAMESERVER_PROTOCOL_H_

#include <sys/socket.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace sluice::testserver {

inline constexpr size_t kMaxNameLength = 32;
inline constexpr size_t kMaxLineLength = 64;  // commands and greetings
inline constexpr size_t kMaxDatagram = 65507 - kMaxNameLength - 1;

// Names are 1 to 32 of [A-Za-z0-9._-], so they need no quoting anywhere.
bool ValidName(absl::string_view name);

// A socket address from a numeric IPv4 or IPv6 literal and a port. No name
// resolution: the tool talks only to addresses it is given.
struct SockAddr {
  sockaddr_storage storage{};
  socklen_t len = 0;
  int family() const { return storage.ss_family; }
  const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&storage); }
};
absl::StatusOr<SockAddr> ParseSockAddr(absl::string_view addr, int port);

// "10.0.0.1" / "fd00::1"; a v4-mapped IPv6 address as its IPv4 form.
std::string FormatAddr(const sockaddr* sa);
int AddrPort(const sockaddr* sa);

// The UDP answer to `payload`; and the parts of an answer.
std::string UdpAnswer(absl::string_view name, absl::string_view payload, const sockaddr* peer);
struct UdpReply {
  std::string name;
  std::string payload;  // after the name's newline
};
std::optional<UdpReply> ParseUdpReply(absl::string_view datagram);

// "SEQ <n>" padded with '.' to `size` bytes (at least the number's length).
std::string SeqPayload(uint64_t seq, size_t size);
std::optional<uint64_t> ParseSeq(absl::string_view payload);

// The byte at `offset` of an echo stream: a pattern that does not repeat at
// any power-of-two chunk size, so a reordered or corrupted echo shows.
inline uint8_t StreamByte(uint64_t offset) {
  return static_cast<uint8_t>(offset % 251);
}

// Minimal JSON for the clients' reports.
std::string JsonString(absl::string_view s);
std::string JsonCounts(const std::map<std::string, int64_t>& counts);
std::string JsonStrings(const std::vector<std::string>& items);

// "--flag value" arguments, and "--switch" ones that take none. A repeated
// flag keeps every value.
class Flags {
 public:
  static absl::StatusOr<Flags> Parse(const std::vector<std::string>& args,
                                     const std::vector<std::string>& valued,
                                     const std::vector<std::string>& switches = {});
  bool Has(absl::string_view flag) const { return values_.count(std::string(flag)) != 0; }
  std::string Get(absl::string_view flag, absl::string_view fallback = "") const;
  std::vector<std::string> GetAll(absl::string_view flag) const;
  absl::StatusOr<int64_t> GetInt(absl::string_view flag, int64_t fallback, int64_t min,
                                 int64_t max) const;

 private:
  std::map<std::string, std::vector<std::string>> values_;
};

}  // namespace sluice::testserver

#endif  // SLUICE_TOOLS_NAMESERVER_PROTOCOL_H_
