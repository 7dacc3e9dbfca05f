#include "tools/sluice/pcap_io.h"

#include <pcap/pcap.h>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace sluice {

absl::Status ReadPcap(const std::string& path,
                      const std::function<absl::Status(CapturedPacket&)>& fn) {
  char err[PCAP_ERRBUF_SIZE] = {0};
  pcap_t* p =
      pcap_open_offline_with_tstamp_precision(path.c_str(), PCAP_TSTAMP_PRECISION_NANO, err);
  if (!p) {
    // libpcap's message often starts with the path already.
    absl::string_view msg(err);
    if (absl::StartsWith(msg, path + ": ")) msg.remove_prefix(path.size() + 2);
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", msg));
  }
  std::unique_ptr<pcap_t, decltype(&pcap_close)> guard(p, pcap_close);
  if (pcap_datalink(p) != DLT_EN10MB)
    return absl::InvalidArgumentError(absl::StrCat(path, ": link type ",
                                                   pcap_datalink_val_to_name(pcap_datalink(p)),
                                                   " is not supported (Ethernet only)"));
  pcap_pkthdr* hdr;
  const u_char* data;
  int rc;
  uint64_t index = 0;
  while ((rc = pcap_next_ex(p, &hdr, &data)) == 1) {
    ++index;
    if (hdr->caplen < hdr->len)
      return absl::InvalidArgumentError(absl::StrCat(path, ": packet ", index,
                                                     " was captured truncated (", hdr->caplen,
                                                     " of ", hdr->len, " bytes)"));
    CapturedPacket pkt;
    pkt.time_ns = static_cast<uint64_t>(hdr->ts.tv_sec) * 1'000'000'000ull +
                  static_cast<uint64_t>(hdr->ts.tv_usec);  // nanoseconds at NANO precision
    pkt.data.assign(data, data + hdr->caplen);
    if (auto s = fn(pkt); !s.ok()) return s;
  }
  if (rc == PCAP_ERROR)
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": packet ", index + 1, ": ", pcap_geterr(p)));
  return absl::OkStatus();
}

struct PcapWriter::Impl {
  pcap_t* pcap = nullptr;
  pcap_dumper_t* dumper = nullptr;
  std::string path;
};

absl::StatusOr<std::unique_ptr<PcapWriter>> PcapWriter::Open(const std::string& path) {
  std::unique_ptr<PcapWriter> w(new PcapWriter());
  w->impl_ = std::make_unique<Impl>();
  w->impl_->path = path;
  w->impl_->pcap =
      pcap_open_dead_with_tstamp_precision(DLT_EN10MB, 65535, PCAP_TSTAMP_PRECISION_NANO);
  if (!w->impl_->pcap) return absl::InternalError("pcap_open_dead failed");
  w->impl_->dumper = pcap_dump_open(w->impl_->pcap, path.c_str());
  if (!w->impl_->dumper)
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", pcap_geterr(w->impl_->pcap)));
  return w;
}

void PcapWriter::Write(const CapturedPacket& packet) {
  pcap_pkthdr hdr{};
  hdr.ts.tv_sec = static_cast<time_t>(packet.time_ns / 1'000'000'000ull);
  hdr.ts.tv_usec = static_cast<suseconds_t>(packet.time_ns % 1'000'000'000ull);
  hdr.caplen = hdr.len = static_cast<bpf_u_int32>(packet.data.size());
  pcap_dump(reinterpret_cast<u_char*>(impl_->dumper), &hdr, packet.data.data());
}

absl::Status PcapWriter::Close() {
  if (!impl_ || !impl_->dumper) return absl::OkStatus();
  bool ok = pcap_dump_flush(impl_->dumper) == 0;
  pcap_dump_close(impl_->dumper);
  impl_->dumper = nullptr;
  pcap_close(impl_->pcap);
  impl_->pcap = nullptr;
  if (!ok) return absl::InternalError(absl::StrCat(impl_->path, ": write failed"));
  return absl::OkStatus();
}

PcapWriter::~PcapWriter() {
  (void)Close();
}

}  // namespace sluice
