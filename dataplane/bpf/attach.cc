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

// The kernel's tcx attach types (Linux 6.6), which libbpf 1.1's headers
// predate; bpf_link_create passes unknown types through.
constexpr int kTcxIngress = 46;
constexpr int kTcxEgress = 47;

// <pin_dir>/links, created if missing.
absl::StatusOr<std::string> LinkDir(const std::string& pin_dir) {
  std::string dir = pin_dir + "/links";
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return absl::InternalError(absl::StrCat(dir, ": ", ec.message()));
  return dir;
}

absl::StatusOr<unsigned> IfIndex(const std::string& ifname) {
  unsigned ifindex = if_nametoindex(ifname.c_str());
  if (ifindex == 0)
    return absl::NotFoundError(absl::StrCat("interface ", ifname, ": no such device"));
  return ifindex;
}

}  // namespace

absl::Status AttachXdp(const BpfEngine& engine, lb_hook hook, const std::string& ifname,
                       const std::string& pin_dir) {
  auto ifindex = IfIndex(ifname);
  if (!ifindex.ok()) return ifindex.status();
  auto dir = LinkDir(pin_dir);
  if (!dir.ok()) return dir.status();
  return AttachPinned(engine.ProgramFd(hook), static_cast<int>(*ifindex), BPF_XDP,
                      *dir + "/xdp_" + ifname,
                      absl::StrCat("XDP to ", ifname, " (another XDP program there?)"));
}

absl::Status AttachTc(const BpfEngine& engine, BpfEngine::TcProgram program,
                      const std::string& ifname, const std::string& pin_dir) {
  auto ifindex = IfIndex(ifname);
  if (!ifindex.ok()) return ifindex.status();
  auto dir = LinkDir(pin_dir);
  if (!dir.ok()) return dir.status();
  bool egress = program == BpfEngine::TcProgram::kEgress;
  return AttachPinned(engine.TcProgramFd(program), static_cast<int>(*ifindex),
                      egress ? kTcxEgress : kTcxIngress,
                      *dir + (egress ? "/tcx_egress_" : "/tcx_ingress_") + ifname,
                      absl::StrCat("tc ", egress ? "egress" : "ingress", " to ", ifname,
                                   " (tcx needs Linux 6.6 or later)"));
}

namespace {

// Unpins a link left by an earlier run; the attachment goes with it.
absl::Status DetachPinned(const std::string& path) {
  if (unlink(path.c_str()) != 0 && errno != ENOENT)
    return absl::ErrnoToStatus(errno, absl::StrCat("removing ", path));
  return absl::OkStatus();
}

}  // namespace

absl::Status AttachNode(const BpfEngine& engine, const NodeAttachment& plan,
                        const std::string& pin_dir) {
  using Tc = BpfEngine::TcProgram;
  std::string links = pin_dir + "/links/";
  auto ingress = [&](const std::string& dev, bool tc, lb_hook hook, Tc program) {
    absl::Status s =
        tc ? AttachTc(engine, program, dev, pin_dir) : AttachXdp(engine, hook, dev, pin_dir);
    if (s.ok()) s = DetachPinned(links + (tc ? "xdp_" : "tcx_ingress_") + dev);
    return s;
  };
  for (const std::string& dev : plan.devices) {
    if (auto s = ingress(dev, plan.external_tc, LB_HOOK_EXTERNAL, Tc::kIngressExternal); !s.ok())
      return s;
    absl::Status s = plan.egress ? AttachTc(engine, Tc::kEgress, dev, pin_dir)
                                 : DetachPinned(links + "tcx_egress_" + dev);
    if (!s.ok()) return s;
  }
  for (const std::string& dev : plan.local_devices)
    if (auto s = ingress(dev, plan.local_tc, LB_HOOK_LOCAL, Tc::kIngressLocal); !s.ok()) return s;
  return absl::OkStatus();
}

absl::Status AttachCgroup(const BpfEngine& engine, const std::string& cgroup_path,
                          const std::string& pin_dir) {
  int cg = open(cgroup_path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (cg < 0) return absl::ErrnoToStatus(errno, absl::StrCat("cgroup ", cgroup_path));
  auto dir = LinkDir(pin_dir);
  if (!dir.ok()) {
    close(cg);
    return dir.status();
  }
  absl::Status status;
  for (const auto& p : engine.SocketPrograms()) {
    status = AttachPinned(p.fd, cg, p.attach_type, *dir + "/cgroup_" + p.name,
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
