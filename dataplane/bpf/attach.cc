#include "dataplane/bpf/attach.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <set>

#include "absl/strings/str_cat.h"

namespace sluice {

absl::Status AttachXdp(const BpfEngine& engine, lb_hook hook, const std::string& ifname,
                       const std::string& pin_dir) {
  unsigned ifindex = if_nametoindex(ifname.c_str());
  if (ifindex == 0)
    return absl::NotFoundError(absl::StrCat("interface ", ifname, ": no such device"));
  std::string dir = pin_dir + "/links";
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return absl::InternalError(absl::StrCat(dir, ": ", ec.message()));
  std::string path = dir + "/xdp_" + ifname;
  int prog = engine.ProgramFd(hook);
  int link = bpf_obj_get(path.c_str());
  if (link >= 0) {
    // A link from an earlier run: swap the program in place.
    int rc = bpf_link_update(link, prog, nullptr);
    int err = errno;
    close(link);
    if (rc != 0) return absl::ErrnoToStatus(err, absl::StrCat("updating the XDP link on ", ifname));
    return absl::OkStatus();
  }
  LIBBPF_OPTS(bpf_link_create_opts, opts);
  link = bpf_link_create(prog, static_cast<int>(ifindex), BPF_XDP, &opts);
  if (link < 0)
    return absl::ErrnoToStatus(
        errno, absl::StrCat("attaching XDP to ", ifname, " (another XDP program there?)"));
  int rc = bpf_obj_pin(link, path.c_str());
  int err = errno;
  close(link);  // the pin keeps the link (and so the attachment) alive
  if (rc != 0) return absl::ErrnoToStatus(err, absl::StrCat("pinning ", path));
  return absl::OkStatus();
}

namespace {

// Attaches prog_fd to target with a link pinned at path, or swaps the program
// of a link pinned there by an earlier run.
absl::Status AttachPinned(int prog_fd, int target_fd, int attach_type, const std::string& path,
                          const std::string& what) {
  int link = bpf_obj_get(path.c_str());
  if (link >= 0) {
    int rc = bpf_link_update(link, prog_fd, nullptr);
    int err = errno;
    close(link);
    if (rc != 0) return absl::ErrnoToStatus(err, absl::StrCat("updating the link of ", what));
    return absl::OkStatus();
  }
  LIBBPF_OPTS(bpf_link_create_opts, opts);
  link = bpf_link_create(prog_fd, target_fd, static_cast<bpf_attach_type>(attach_type), &opts);
  if (link < 0) return absl::ErrnoToStatus(errno, absl::StrCat("attaching ", what));
  int rc = bpf_obj_pin(link, path.c_str());
  int err = errno;
  close(link);
  if (rc != 0) return absl::ErrnoToStatus(err, absl::StrCat("pinning ", path));
  return absl::OkStatus();
}

}  // namespace

absl::Status AttachCgroup(const BpfEngine& engine, const std::string& cgroup_path,
                          const std::string& pin_dir) {
  int cg = open(cgroup_path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (cg < 0) return absl::ErrnoToStatus(errno, absl::StrCat("cgroup ", cgroup_path));
  std::string dir = pin_dir + "/links";
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  absl::Status status;
  for (const auto& p : engine.SocketPrograms()) {
    status = AttachPinned(p.fd, cg, p.attach_type, dir + "/cgroup_" + p.name,
                          absl::StrCat(p.name, " to ", cgroup_path));
    if (!status.ok()) break;
  }
  close(cg);
  return status;
}

absl::Status RemovePinned(const std::string& pin_dir) {
  std::error_code ec;
  if (!std::filesystem::exists(pin_dir, ec)) return absl::OkStatus();
  // Links first: unpinning the last reference detaches the program.
  std::filesystem::remove_all(pin_dir + "/links", ec);
  if (ec) return absl::InternalError(absl::StrCat(pin_dir, "/links: ", ec.message()));
  std::filesystem::remove_all(pin_dir, ec);
  if (ec) return absl::InternalError(absl::StrCat(pin_dir, ": ", ec.message()));
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> InterfacesWithAddresses() {
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return absl::ErrnoToStatus(errno, "getifaddrs");
  std::set<std::string> names;
  for (ifaddrs* a = list; a; a = a->ifa_next) {
    if (!a->ifa_addr || (a->ifa_flags & IFF_LOOPBACK)) continue;
    if (a->ifa_addr->sa_family != AF_INET && a->ifa_addr->sa_family != AF_INET6) continue;
    names.insert(a->ifa_name);
  }
  freeifaddrs(list);
  return std::vector<std::string>(names.begin(), names.end());
}

absl::StatusOr<std::vector<IpAddress>> AddressesOf(const std::vector<std::string>& ifnames) {
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return absl::ErrnoToStatus(errno, "getifaddrs");
  std::set<std::string> wanted(ifnames.begin(), ifnames.end());
  std::vector<IpAddress> out;
  for (ifaddrs* a = list; a; a = a->ifa_next) {
    if (!a->ifa_addr || !wanted.contains(a->ifa_name)) continue;
    lb_addr abi{};
    if (a->ifa_addr->sa_family == AF_INET) {
      std::memcpy(&abi.v4, &reinterpret_cast<sockaddr_in*>(a->ifa_addr)->sin_addr, 4);
      out.push_back(IpAddress::FromAbi(abi, LB_AF_INET));
    } else if (a->ifa_addr->sa_family == AF_INET6) {
      std::memcpy(abi.b, &reinterpret_cast<sockaddr_in6*>(a->ifa_addr)->sin6_addr, 16);
      if (abi.b[0] == 0xfe && (abi.b[1] & 0xc0) == 0x80) continue;  // link-local
      out.push_back(IpAddress::FromAbi(abi, LB_AF_INET6));
    }
  }
  freeifaddrs(list);
  return out;
}

}  // namespace sluice
