// Keeps the node's neighbour (ARP/ND) entries for backends warm. XDP forwards
// by FIB lookup and redirect, which needs the next hop's MAC; the kernel only
// resolves neighbours for traffic it sends itself, and a packet XDP cannot
// redirect is passed up the stack, where an IPv4 packet already masqueraded
// to the node's own address is dropped as a martian. So the agent makes the
// kernel resolve every backend: an empty UDP datagram to the discard port.
#ifndef SLUICE_TOOLS_SLUICE_NEIGHBORS_H_
#define SLUICE_TOOLS_SLUICE_NEIGHBORS_H_

#include <vector>

#include "dataplane/ip_address.h"

namespace sluice {

// Sends one empty UDP datagram to port 9 of each address (errors ignored).
void TouchNeighbors(const std::vector<IpAddress>& addresses);

}  // namespace sluice

#endif  // SLUICE_TOOLS_SLUICE_NEIGHBORS_H_
