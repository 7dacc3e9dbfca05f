// Writes every input packet of the fixtures as a fuzzer seed (control byte
// first, see tests/fuzz/core_fuzz.cc): fixture_corpus FIXTURE_DIR OUT_DIR
#include <fstream>
#include <iostream>

#include "tests/packet/fixture.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: fixture_corpus FIXTURE_DIR OUT_DIR\n";
    return 2;
  }
  auto fixtures = sluice::testing::LoadFixtureDir(argv[1]);
  if (!fixtures.ok()) {
    std::cerr << fixtures.status() << "\n";
    return 1;
  }
  int n = 0;
  for (const auto& f : *fixtures) {
    for (const auto& c : f.cases) {
      for (const auto& s : c.steps) {
        if (!s.in) continue;
        std::ofstream out(std::string(argv[2]) + "/seed" + std::to_string(n++), std::ios::binary);
        char ctl = s.hook == LB_HOOK_LOCAL ? 1 : 0;
        out.write(&ctl, 1);
        out.write(reinterpret_cast<const char*>(s.in->data()),
                  static_cast<std::streamsize>(s.in->size()));
      }
    }
  }
  return 0;
}
