#include "tests/packet/fixture.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "control/agent/model.h"
#include "control/k8s/objects.h"
#include "dataplane/lb_names.h"
#include "tests/packet/packet_builder.h"
#include "yaml-cpp/yaml.h"

namespace sluice::testing {
namespace {

absl::StatusOr<FixtureStep> ParseStep(const YAML::Node& n, const std::string& where) {
  FixtureStep step;
  if (n["advance_seconds"]) {
    step.advance_ns = n["advance_seconds"].as<uint64_t>() * 1'000'000'000ull;
    return step;
  }
  if (n["objects"]) {
    step.objects = n["objects"].as<std::string>();
    return step;
  }
  if (!n["in"]) return absl::InvalidArgumentError(absl::StrCat(where, ": step has no 'in'"));
  auto in = BuildPacket(n["in"]);
  if (!in.ok())
    return absl::InvalidArgumentError(absl::StrCat(where, ".in: ", in.status().message()));
  step.in = *in;
  std::string hook = n["hook"] ? n["hook"].as<std::string>() : "external";
  if (hook == "local")
    step.hook = LB_HOOK_LOCAL;
  else if (hook != "external")
    return absl::InvalidArgumentError(absl::StrCat(where, ": hook ", hook));
  std::string verdict = n["verdict"] ? n["verdict"].as<std::string>() : "";
  auto v = ParseVerdict(verdict);
  if (!v) return absl::InvalidArgumentError(absl::StrCat(where, ": verdict '", verdict, "'"));
  step.verdict = *v;
  if (n["reason"]) {
    auto r = ParseDropReason(n["reason"].as<std::string>());
    if (!r)
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": reason ", n["reason"].as<std::string>()));
    step.reason = *r;
  }
  if (n["out"]) {
    auto out = BuildPacket(n["out"]);
    if (!out.ok())
      return absl::InvalidArgumentError(absl::StrCat(where, ".out: ", out.status().message()));
    step.out = *out;
  }
  if ((step.verdict == LB_VERDICT_FORWARD || step.verdict == LB_VERDICT_REJECT) && !step.out)
    return absl::InvalidArgumentError(absl::StrCat(where, ": forward/reject needs 'out'"));
  return step;
}

absl::Status Program(Engine* engine, ServiceTable& table, const Fixture& f,
                     const std::string& objects_text) {
  auto objects = k8s::LoadObjectsText(objects_text, f.path + " objects");
  if (!objects.ok()) return objects.status();
  agent::NodeInfo node;
  node.node_name = f.node_name;
  auto model = agent::BuildServiceModel(*objects, node);
  if (!model.ok()) return model.status();
  (void)engine;
  return table.Apply(*model);
}

}  // namespace

absl::StatusOr<Fixture> LoadFixture(const std::string& path) {
  Fixture f;
  f.path = path;
  try {
    YAML::Node root = YAML::LoadFile(path);
    f.node_name = root["node"]["name"].as<std::string>();
    for (const auto& a : root["node"]["addresses"]) {
      auto ip = IpAddress::Parse(a.as<std::string>());
      if (!ip.ok())
        return absl::InvalidArgumentError(absl::StrCat(path, ": node: ", ip.status().message()));
      f.node_addresses.push_back(*ip);
    }
    f.objects = root["objects"].as<std::string>();
    int i = 0;
    for (const auto& c : root["cases"]) {
      FixtureCase fc;
      fc.file = std::filesystem::path(path).stem().string();
      fc.name = c["name"].as<std::string>();
      int j = 0;
      for (const auto& s : c["steps"]) {
        auto step = ParseStep(s, absl::StrCat(path, ": cases[", i, "].steps[", j++, "]"));
        if (!step.ok()) return step.status();
        fc.steps.push_back(*std::move(step));
      }
      f.cases.push_back(std::move(fc));
      ++i;
    }
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", e.what()));
  }
  return f;
}

absl::StatusOr<std::vector<Fixture>> LoadFixtureDir(const std::string& dir) {
  std::vector<std::string> paths;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    if (e.path().extension() == ".yaml") paths.push_back(e.path().string());
  std::sort(paths.begin(), paths.end());
  std::vector<Fixture> out;
  for (const auto& p : paths) {
    auto f = LoadFixture(p);
    if (!f.ok()) return f.status();
    out.push_back(*std::move(f));
  }
  return out;
}

absl::Status RunFixtureCase(const Fixture& f, const FixtureCase& c,
                            const FixtureEngineFactory& factory) {
  std::unique_ptr<FixtureEngine> fe = factory();
  ServiceTable table(fe->engine());
  NodeConfig node;
  node.node_addresses = f.node_addresses;
  if (auto s = table.SetNode(node); !s.ok()) return s;
  if (auto s = Program(fe->engine(), table, f, f.objects); !s.ok()) return s;
  int i = 0;
  for (const FixtureStep& step : c.steps) {
    std::string where = absl::StrCat(c.file, ": ", c.name, ": step ", i++);
    if (step.advance_ns) {
      fe->AdvanceTime(step.advance_ns);
      continue;
    }
    if (step.objects) {
      if (auto s = Program(fe->engine(), table, f, *step.objects); !s.ok()) return s;
      continue;
    }
    std::vector<uint8_t> pkt = *step.in;
    if (!fe->CanReceive(pkt)) {
      if (step.verdict != LB_VERDICT_DROP)
        return absl::InternalError(absl::StrCat(where,
                                                ": the engine cannot receive this frame, "
                                                "but the fixture expects it not dropped"));
      continue;
    }
    lb_result r = fe->Process(pkt, step.hook);
    if (r.verdict != step.verdict || (step.reason && r.reason != *step.reason))
      return absl::InternalError(absl::StrCat(
          where, ": verdict ", VerdictName(r.verdict), "/", DropReasonName(r.reason), ", want ",
          VerdictName(step.verdict), "/", step.reason ? DropReasonName(*step.reason) : "-",
          "\npacket out: ", DescribePacket(pkt)));
    const std::vector<uint8_t>& want =
        step.out ? *step.out : *step.in;  // pass and drop leave the packet as it was
    if (step.verdict != LB_VERDICT_DROP && pkt != want)
      return absl::InternalError(absl::StrCat(
          where, ": packet differs\n got: ", DescribePacket(pkt), "want: ", DescribePacket(want)));
  }
  return absl::OkStatus();
}

void PrintTo(const FixtureParam& p, std::ostream* os) {
  *os << p.c->file << ": " << p.c->name;
}

std::vector<FixtureParam> AllFixtureCases(const std::string& default_dir) {
  // Loaded once and kept: the parameters point into it.
  static std::vector<Fixture>* fixtures = [&] {
    const char* env = getenv("FIXTURE_DIR");
    auto f = LoadFixtureDir(env ? env : default_dir);
    if (!f.ok()) {
      std::cerr << "loading fixtures: " << f.status() << "\n";
      return new std::vector<Fixture>();
    }
    return new std::vector<Fixture>(*std::move(f));
  }();
  std::vector<FixtureParam> out;
  for (const Fixture& f : *fixtures)
    for (const FixtureCase& c : f.cases) out.push_back({&f, &c});
  return out;
}

std::string FixtureCaseName(const FixtureParam& p, size_t index) {
  std::string n = p.c->file + "_" + p.c->name;
  for (char& ch : n)
    if (!isalnum(static_cast<unsigned char>(ch))) ch = '_';
  return n + "_" + std::to_string(index);
}

}  // namespace sluice::testing
