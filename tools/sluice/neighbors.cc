#include "tools/sluice/neighbors.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

namespace sluice {

void TouchNeighbors(const std::vector<IpAddress>& addresses) {
  constexpr uint16_t kDiscardPort = 9;
  for (const IpAddress& a : addresses) {
    int fd = socket(a.is_v4() ? AF_INET : AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) continue;
    if (a.is_v4()) {
      sockaddr_in sa{};
      sa.sin_family = AF_INET;
      sa.sin_port = htons(kDiscardPort);
      std::memcpy(&sa.sin_addr, a.bytes().data(), 4);
      sendto(fd, "", 0, 0, reinterpret_cast<sockaddr*>(&sa), sizeof(sa));
    } else {
      sockaddr_in6 sa{};
      sa.sin6_family = AF_INET6;
      sa.sin6_port = htons(kDiscardPort);
      std::memcpy(&sa.sin6_addr, a.bytes().data(), 16);
      sendto(fd, "", 0, 0, reinterpret_cast<sockaddr*>(&sa), sizeof(sa));
    }
    close(fd);
  }
}

}  // namespace sluice
