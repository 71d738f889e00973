// refpay on a full disk: the primary's data directory is a small tmpfs that the test fills.
// Its own binary because it enters a private mount namespace (needs root; skips elsewhere,
// fails in CI). The mount vanishes with the process.
#include <sched.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <cstdio>
#include <fstream>

#include "ledger/ledger_store.h"
#include "sample_system/refpay_fixture.h"
#include "testing/prerequisite.h"

namespace refpay::testing {
namespace {

// Appends to `path` until the volume refuses: the volume is then completely full.
void fill(const std::string& path) {
  FILE* file = std::fopen(path.c_str(), "wb");
  ASSERT_NE(file, nullptr);
  std::setvbuf(file, nullptr, _IONBF, 0);
  std::string chunk(64 * 1024, 'x');
  for (std::size_t size : {std::size_t{64 * 1024}, std::size_t{4096}, std::size_t{1}}) {
    while (std::fwrite(chunk.data(), 1, size, file) == size) {
    }
    std::clearerr(file);
  }
  std::fclose(file);
}

TEST(RefpayDiskFull, PrimaryRefusesWithoutLosingAcknowledgedPaymentsThenRecovers) {
  FIREDRILL_REQUIRE(geteuid() == 0, "root, to mount a tmpfs volume");
  ASSERT_EQ(unshare(CLONE_NEWNS), 0) << std::strerror(errno);
  ASSERT_EQ(mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr), 0);
  TempDir dir;
  std::string volume = dir.path() + "/ledger-1-volume";
  std::filesystem::create_directories(volume);
  ASSERT_EQ(mount("tmpfs", volume.c_str(), "tmpfs", 0, "size=8m"), 0) << std::strerror(errno);

  AlertReceiver alerts;
  LocalClusterOptions options;
  options.work_dir = dir.path();
  options.alert_url = alerts.url();
  options.ledger_data_dirs[0] = volume;
  auto started = LocalCluster::start(options);
  ASSERT_TRUE(started) << started.status().message();
  LocalCluster& cluster = **started;
  ASSERT_EQ(cluster.primary_index(), 0);

  std::vector<std::string> acked;
  auto pay_some = [&](const std::string& prefix, int count, std::map<int, int>& statuses) {
    for (int i = 0; i < count; ++i) {
      std::string key = prefix + std::to_string(i);
      auto r = pay(cluster.gateway_url(), make_payment(key, "acct-1", "acct-2", 3));
      ++statuses[r.status];
      if (r.status == 201) acked.push_back(key);
    }
  };
  std::map<int, int> before;
  pay_some("before-", 30, before);
  EXPECT_EQ(before[201], 30);

  fill(volume + "/ballast");
  std::map<int, int> full;
  pay_some("full-", 5, full);
  EXPECT_EQ(full[507], 5) << "a full primary refuses with 507";
  EXPECT_EQ(http_call(cluster.ledger_url(0), "GET", "/healthz").status, 503);
  EXPECT_TRUE(alerts.wait_for("firing", "LedgerDiskFull", "ledger-1"));

  // The arbiter fails over away from the full primary; payments flow again.
  auto promoted = cluster.wait_for_primary(std::chrono::seconds(10), 0);
  ASSERT_TRUE(promoted) << promoted.status().message();
  EXPECT_TRUE(alerts.wait_for("firing", "LedgerPrimaryDown", "ledger-1"));
  std::map<int, int> after;
  pay_some("after-", 20, after);
  EXPECT_EQ(after[201], 20);

  auto keys = keys_in(export_of(cluster, *promoted));
  for (const auto& key : acked) EXPECT_EQ(keys[key], 1) << "acknowledged payment lost: " << key;

  // Space freed: the node writes again, follows the new primary and converges.
  std::filesystem::remove(volume + "/ballast");
  EXPECT_TRUE(alerts.wait_for("resolved", "LedgerDiskFull", "ledger-1"));
  ASSERT_TRUE(cluster.wait_converged(std::chrono::seconds(15)));
  EXPECT_EQ(http_call(cluster.ledger_url(0), "GET", "/healthz").status, 200);
  LedgerCheck check = check_ledgers(ledger_urls(cluster), 64, 1'000'000'000);
  EXPECT_TRUE(check.ok()) << check.summary();
  EXPECT_EQ(check.transfers, 50);
  started->reset();
  umount2(volume.c_str(), MNT_DETACH);
}

}  // namespace
}  // namespace refpay::testing
