// Unit tests of refpay's pure parts: payment parsing, strict config, and the SQLite ledger store
// (append, truncate after a divergence, idempotency records, epochs).
#include <gtest/gtest.h>

#include <filesystem>

#include "common/config.h"
#include "common/payment.h"
#include "ledger/ledger_store.h"

namespace refpay {
namespace {

std::variant<PaymentRequest, ApiError> parse(const std::string& body) {
  return parse_payment_request(body, std::nullopt, 1'000'000);
}

TEST(PaymentRequest, ParsesAValidBodyAndTheHeaderKey) {
  auto ok = parse(R"({"idempotency_key":"k","from":"a","to":"b","amount":5,"timestamp_ms":1})");
  ASSERT_TRUE(std::holds_alternative<PaymentRequest>(ok));
  EXPECT_EQ(std::get<PaymentRequest>(ok).amount, 5);
  auto header = parse_payment_request(R"({"from":"a","to":"b","amount":5,"timestamp_ms":1})",
                                      std::string("hk"), 10);
  ASSERT_TRUE(std::holds_alternative<PaymentRequest>(header));
  EXPECT_EQ(std::get<PaymentRequest>(header).idempotency_key, "hk");
}

TEST(PaymentRequest, AmountOverTheLimitIs422) {
  auto r = parse(R"({"idempotency_key":"k","from":"a","to":"b","amount":1000001,"timestamp_ms":1})");
  ASSERT_TRUE(std::holds_alternative<ApiError>(r));
  EXPECT_EQ(std::get<ApiError>(r).status, 422);
  EXPECT_EQ(std::get<ApiError>(r).field, "amount");
}

TEST(PaymentRequest, KeyTooLongOrWithControlCharactersIs400) {
  std::string long_key(200, 'k');
  auto r = parse(R"({"idempotency_key":")" + long_key + R"(","from":"a","to":"b","amount":1,"timestamp_ms":1})");
  ASSERT_TRUE(std::holds_alternative<ApiError>(r));
  EXPECT_EQ(std::get<ApiError>(r).field, "idempotency_key");
  r = parse(R"({"idempotency_key":"a\nb","from":"a","to":"b","amount":1,"timestamp_ms":1})");
  ASSERT_TRUE(std::holds_alternative<ApiError>(r));
  EXPECT_EQ(std::get<ApiError>(r).status, 400);
}

TEST(Config, UnknownKeysWrongTypesAndRangesNameFileLineColumnAndKey) {
  auto config = Config::parse("[a]\nx = 5\ny = \"text\"\nz = 1\n", "c.toml");
  ASSERT_TRUE(config);
  EXPECT_EQ(*config->get_int("a.x", 0, 0, 10), 5);
  auto wrong = config->get_int("a.y", 0, 0, 10);
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.status().message(), "c.toml:3:5: a.y: expected an integer");
  auto range = config->get_int("a.x", 0, 6, 10);
  EXPECT_EQ(range.status().message(), "c.toml:2:5: a.x: 5 is out of range [6, 10]");
  EXPECT_EQ(config->check_all_read().message(), "c.toml:4:5: a.z: unknown key");
}

TEST(Config, OverridesReplaceValuesAndBareWordsAreStrings) {
  auto config = Config::parse("[ledger]\nreplication = \"sync\"\n", "c.toml",
                              {"ledger.replication=async", "ledger.sync_replicas=2"});
  ASSERT_TRUE(config);
  EXPECT_EQ(*config->get_string("ledger.replication", ""), "async");
  EXPECT_EQ(*config->get_int("ledger.sync_replicas", 0, 0, 5), 2);
}

TEST(Config, ASyntaxErrorNamesItsPosition) {
  auto config = Config::parse("[a]\nx = \n", "bad.toml");
  ASSERT_FALSE(config);
  EXPECT_EQ(config.status().message().rfind("bad.toml:2:", 0), 0u) << config.status().message();
}

class LedgerStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("refpay-store-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    store_ = open();
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::unique_ptr<LedgerStore> open() {
    auto store = LedgerStore::open(dir_.string(), LedgerStoreOptions{4, 100, "normal"});
    EXPECT_TRUE(store) << store.status().message();
    return store ? std::move(*store) : nullptr;
  }
  static Transfer transfer(int64_t position, int64_t epoch, const std::string& key, int64_t amount) {
    return Transfer{position, epoch, key, "acct-1", "acct-2", amount, 1, 1000 + position};
  }
  std::filesystem::path dir_;
  std::unique_ptr<LedgerStore> store_;
};

TEST_F(LedgerStoreTest, AppendMovesMoneyAndSurvivesReopen) {
  ASSERT_TRUE(store_->append({transfer(1, 1, "a", 10), transfer(2, 1, "b", 5)}));
  EXPECT_EQ(store_->balance("acct-1"), 85);
  EXPECT_EQ(store_->balance("acct-2"), 115);
  ASSERT_TRUE(store_->set_epoch(3));
  store_ = open();
  EXPECT_EQ(store_->last_position(), 2);
  EXPECT_EQ(store_->last_epoch(), 1);
  EXPECT_EQ(store_->epoch(), 3);
  EXPECT_EQ(store_->total_money(), 400);
  EXPECT_EQ(store_->find_idempotency("b")->position, 2);
}

TEST_F(LedgerStoreTest, AppendRefusesAGapInPositions) {
  ASSERT_TRUE(store_->append({transfer(1, 1, "a", 10)}));
  EXPECT_FALSE(store_->append({transfer(3, 1, "c", 10)}));
  EXPECT_EQ(store_->last_position(), 1);
  EXPECT_EQ(store_->balance("acct-1"), 90);
}

TEST_F(LedgerStoreTest, TruncateUndoesTheDivergentTailExactly) {
  ASSERT_TRUE(store_->append({transfer(1, 1, "a", 10), transfer(2, 1, "b", 20)}));
  ASSERT_TRUE(store_->append({transfer(3, 2, "c", 30)}));
  EXPECT_EQ(store_->last_position_in_epoch_at_most(1), 2);
  EXPECT_EQ(store_->last_position_in_epoch_at_most(2), 3);
  auto removed = store_->truncate_after(1);
  ASSERT_TRUE(removed);
  EXPECT_EQ(removed->size(), 2u);
  EXPECT_EQ(store_->last_position(), 1);
  EXPECT_EQ(store_->last_epoch(), 1);
  EXPECT_EQ(store_->balance("acct-1"), 90);
  EXPECT_FALSE(store_->find_idempotency("c"));
  EXPECT_EQ(store_->epoch_at(1), 1);
  EXPECT_FALSE(store_->epoch_at(2));
  ASSERT_TRUE(store_->append({transfer(2, 3, "d", 1)}));
  EXPECT_EQ(store_->last_epoch(), 3);
}

TEST_F(LedgerStoreTest, IdempotencyRecordsExpireByCreationTime) {
  ASSERT_TRUE(store_->append({transfer(1, 1, "old", 1), transfer(2, 1, "new", 1)}));
  auto expired = store_->expire_idempotency(1002);  // created at 1001 and 1002
  ASSERT_TRUE(expired);
  EXPECT_EQ(*expired, 1);
  EXPECT_FALSE(store_->find_idempotency("old"));
  EXPECT_TRUE(store_->find_idempotency("new"));
}

}  // namespace
}  // namespace refpay
