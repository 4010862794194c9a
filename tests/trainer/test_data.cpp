// The data layer: datasets, transforms, the DataLoader (batching, shuffling,
// prefetching, save/restore) and the errors for corrupt files.
#include <nabla/nabla.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "file_helpers.h"

using namespace nabla;
using namespace nabla::data;
using Catch::Matchers::Contains;
using testing::identical;
using testing::TempDir;
using testing::write_bytes;

namespace {

// The message of the nabla::Error that f throws, or a marker when none is thrown.
template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const nabla::Error& e) {
    return e.what();
  }
  return "<no nabla::Error>";
}

// An IDX file: magic (0, 0, type, ndim), big-endian dims, then `data` as is.
std::string idx_bytes(int type, const std::vector<uint32_t>& dims, const std::string& data) {
  std::string s{'\0', '\0', static_cast<char>(type), static_cast<char>(dims.size())};
  for (uint32_t d : dims)
    for (int shift = 24; shift >= 0; shift -= 8) s.push_back(static_cast<char>((d >> shift) & 0xFF));
  return s + data;
}

std::vector<Batch> run_epoch(DataLoader& loader) {
  std::vector<Batch> out;
  Batch b;
  while (loader.next(b)) out.push_back(b);
  return out;
}

// Inputs [n, 1, 4, 4] of distinct values, targets 0..n-1 (int64), with random transforms.
std::shared_ptr<TensorDataset> image_dataset(int64_t n, Transform t = nullptr) {
  Tensor x = arange(static_cast<double>(n * 16)).reshape({n, 1, 4, 4});
  return std::make_shared<TensorDataset>(x, arange(static_cast<double>(n), kInt64), std::move(t));
}

Transform augment() { return Compose({RandomCrop(4, 1), RandomHorizontalFlip()}); }

}  // namespace

// ---- datasets ------------------------------------------------------------------

TEST_CASE("TensorDataset: examples are slices of the first axis", "[data]") {
  Tensor x = arange(12.0).reshape({4, 3});
  Tensor y = tensor({10, 11, 12, 13}, kInt64);
  TensorDataset ds(x, y);
  REQUIRE(ds.size() == 4);
  Example e = ds.get(2);
  CHECK(identical(e.input, tensor({6, 7, 8})));
  CHECK(e.target.ndim() == 0);
  CHECK(e.target.item<int64_t>() == 12);
  CHECK_THROWS_AS(ds.get(4), nabla::Error);
  CHECK_THAT(error_of([] { TensorDataset(zeros({3, 2}), zeros({2})); }), Contains("TensorDataset"));
}

TEST_CASE("WindowDataset: windows, horizon, stride and target columns", "[data]") {
  Tensor series = arange(20.0).reshape({10, 2});  // step t holds (2t, 2t + 1)
  WindowDataset ds(series, /*window=*/3, /*stride=*/2, /*horizon=*/2);
  REQUIRE(ds.size() == (10 - 3 - 2) / 2 + 1);
  Example e = ds.get(1);  // t = 2
  CHECK(identical(e.input.contiguous(), arange(4.0, 10.0).reshape({3, 2})));
  CHECK(identical(e.target.contiguous(), arange(10.0, 14.0).reshape({2, 2})));
  Example last = ds.get(ds.size() - 1);  // t = 4: target rows 7, 8 (the series has rows 0..9)
  CHECK(identical(last.target.contiguous(), arange(14.0, 18.0).reshape({2, 2})));

  WindowDataset one_col(series, 3, 1, 1, {-1});
  REQUIRE(one_col.size() == 7);
  CHECK(identical(one_col.get(0).target, tensor({7.0}).reshape({1, 1})));

  CHECK_THAT(error_of([&] { WindowDataset(series, 8, 1, 3); }), Contains("too short"));
  CHECK_THROWS_AS(WindowDataset(series, 3, 1, 1, {2}), nabla::Error);
  CHECK_THROWS_AS(WindowDataset(arange(5.0), 2), nabla::Error);
}

TEST_CASE("CsvDataset: label by name or index, values", "[data]") {
  TempDir dir;
  const std::string path = dir.file("table.csv");
  write_bytes(path, "a, label ,b\n1.5,0,2\n-3,1,4e1\r\n\n5,2,6\n");
  CsvDataset by_name(path, "label", true, kInt64);
  REQUIRE(by_name.size() == 3);
  CHECK(by_name.columns() == std::vector<std::string>{"a", "label", "b"});
  CHECK(identical(by_name.get(1).input, tensor({-3.0, 40.0})));
  CHECK(by_name.get(2).target.item<int64_t>() == 2);
  CHECK(by_name.get(2).target.dtype() == kInt64);

  const std::string headless = dir.file("headless.csv");
  write_bytes(headless, "1,2,3\n4,5,6\n");
  CsvDataset by_index(headless, -1, /*has_header=*/false);
  REQUIRE(by_index.size() == 2);
  CHECK(identical(by_index.get(1).input, tensor({4.0, 5.0})));
  CHECK(by_index.get(1).target.item<float>() == 6.0f);
}

TEST_CASE("CsvDataset: corrupt files name the path, line and column", "[data]") {
  TempDir dir;
  const std::string bad_cell = dir.file("bad_cell.csv");
  write_bytes(bad_cell, "x,y\n1,2\n3,cat\n");
  std::string msg = error_of([&] { CsvDataset(bad_cell, "y"); });
  CHECK_THAT(msg, Contains(bad_cell) && Contains("line 3") && Contains("column 2") && Contains("'cat'"));

  const std::string ragged = dir.file("ragged.csv");
  write_bytes(ragged, "x,y\n1,2\n3,4,5\n");
  msg = error_of([&] { CsvDataset(ragged, 1); });
  CHECK_THAT(msg, Contains(ragged) && Contains("line 3") && Contains("ragged"));

  const std::string empty_cell = dir.file("empty_cell.csv");
  write_bytes(empty_cell, "1,,3\n");
  CHECK_THAT(error_of([&] { CsvDataset(empty_cell, 0, false); }), Contains("line 1") && Contains("column 2"));

  const std::string header_only = dir.file("header_only.csv");
  write_bytes(header_only, "x,y\n");
  CHECK_THAT(error_of([&] { CsvDataset(header_only, 0); }), Contains("no data rows"));
  const std::string fine = dir.file("fine.csv");
  write_bytes(fine, "x,y\n1,2\n");
  CHECK_THAT(error_of([&] { CsvDataset(fine, "z"); }), Contains(fine) && Contains("no column named 'z'"));
  CHECK_THAT(error_of([&] { CsvDataset(fine, 5); }), Contains("out of range"));
  CHECK_THAT(error_of([&] { CsvDataset(dir.file("missing.csv"), 0); }), Contains("missing.csv"));
}

TEST_CASE("NpyDataset: inputs and targets from .npy files, corrupt files", "[data]") {
  TempDir dir;
  Tensor x = arange(24.0).reshape({4, 2, 3}), y = tensor({3, 1, 4, 1}, kInt64);
  save_npy(x, dir.file("x.npy"));
  save_npy(y, dir.file("y.npy"));
  NpyDataset ds(dir.file("x.npy"), dir.file("y.npy"));
  REQUIRE(ds.size() == 4);
  CHECK(identical(ds.get(3).input, x[3]));
  CHECK(ds.get(2).target.item<int64_t>() == 4);

  save_npy(zeros({5}), dir.file("y5.npy"));
  CHECK_THAT(error_of([&] { NpyDataset(dir.file("x.npy"), dir.file("y5.npy")); }),
             Contains("NpyDataset") && Contains("y5.npy"));

  const std::string good = testing::read_bytes(dir.file("x.npy"));
  write_bytes(dir.file("magic.npy"), "\x92" + good.substr(1));
  CHECK_THAT(error_of([&] { NpyDataset(dir.file("magic.npy"), dir.file("y.npy")); }), Contains("magic.npy"));
  write_bytes(dir.file("short.npy"), good.substr(0, good.size() - 8));
  CHECK_THAT(error_of([&] { NpyDataset(dir.file("short.npy"), dir.file("y.npy")); }), Contains("short.npy"));
}

TEST_CASE("read_idx: values, and corrupt files name the path", "[data]") {
  TempDir dir;
  const std::string ok = dir.file("ok-idx2-ubyte");
  write_bytes(ok, idx_bytes(0x08, {2, 3}, std::string("\x00\x01\x02\x03\x04\xff", 6)));
  Tensor t = read_idx(ok);
  CHECK(identical(t, tensor({{0, 1, 2}, {3, 4, 255}})));
  const std::string i16 = dir.file("i16");
  write_bytes(i16, idx_bytes(0x0B, {2}, std::string("\xff\xfe\x01\x00", 4)));
  CHECK(identical(read_idx(i16, kInt64), tensor({-2, 256}, kInt64)));

  struct Case {
    const char* name;
    std::string bytes;
    const char* says;
  };
  const std::vector<Case> cases = {
      {"magic", std::string("\x01\x00\x08\x01\x00\x00\x00\x01\x07", 9), "not an IDX file"},
      {"type", idx_bytes(0x07, {1}, "x"), "unknown IDX type"},
      {"empty", "", "not an IDX file"},
      {"header", idx_bytes(0x08, {2, 3}, "").substr(0, 9), "truncated in its header"},
      {"data", idx_bytes(0x08, {2, 3}, "abc"), "truncated"},
      {"long", idx_bytes(0x08, {2}, "abc"), "needs 2"},
      {"huge", idx_bytes(0x08, {0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0x10}, "abcd"), "corrupt"},
      {"int32", idx_bytes(0x0C, {2}, "abcd"), "needs 8"},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    const std::string path = dir.file(std::string("bad-") + c.name);
    write_bytes(path, c.bytes);
    CHECK_THAT(error_of([&] { read_idx(path); }), Contains(path) && Contains(c.says));
  }
  // gzip (tests/data/make_idx_fixtures.py): whole, and cut short.
  const std::string gz = std::string(NABLA_TEST_DATA_DIR) + "/idx/";
  Tensor values = read_idx(gz + "ok-idx1-ubyte.gz", kInt64);
  REQUIRE(values.shape() == Shape{256});
  CHECK(identical(values.narrow(0, 0, 4), tensor({197, 215, 20, 132}, kInt64)));
  CHECK(sum(values).item<int64_t>() == 30990);
  CHECK_THAT(error_of([&] { read_idx(gz + "truncated-idx1-ubyte.gz"); }), Contains("truncated-idx1-ubyte.gz"));
  // A missing file.
  CHECK_THAT(error_of([&] { read_idx(dir.file("absent.gz")); }), Contains("absent.gz"));
}

TEST_CASE("MnistDataset: a synthetic split in IDX files", "[data]") {
  TempDir dir;
  std::string pixels, labels;
  for (int i = 0; i < 3 * 28 * 28; ++i) pixels.push_back(static_cast<char>(i % 256));
  labels = std::string("\x07\x00\x09", 3);
  write_bytes(dir.file("train-images-idx3-ubyte"), idx_bytes(0x08, {3, 28, 28}, pixels));
  write_bytes(dir.file("train-labels-idx1-ubyte"), idx_bytes(0x08, {3}, labels));
  MnistDataset ds(dir.path().string(), true);
  REQUIRE(ds.size() == 3);
  Example e = ds.get(1);
  REQUIRE(e.input.shape() == Shape{1, 28, 28});
  CHECK(e.input.dtype() == kFloat32);
  const int64_t flat = 28 * 28 + 5 * 28 + 6;  // image 1, row 5, column 6
  CHECK(e.input[0][5][6].item<float>() == Approx((flat % 256) / 255.0));
  CHECK(e.target.ndim() == 0);
  CHECK(e.target.item<int64_t>() == 0);
  CHECK(ds.get(2).target.item<int64_t>() == 9);
  // The test split is missing.
  CHECK_THAT(error_of([&] { MnistDataset(dir.path().string(), false); }), Contains("t10k-images"));
  // Images and labels disagree.
  write_bytes(dir.file("train-labels-idx1-ubyte"), idx_bytes(0x08, {2}, "\x01\x02"));
  CHECK_THAT(error_of([&] { MnistDataset(dir.path().string(), true); }), Contains("do not match"));
}

TEST_CASE("MnistDataset: the real Fashion-MNIST test split", "[data]") {
  if (!std::filesystem::exists(kFashionMnistDir)) {
    WARN("skipped: " << kFashionMnistDir << " is absent (apt install dataset-fashion-mnist)");
    return;
  }
  MnistDataset test(kFashionMnistDir, /*train=*/false, Normalize({0.2860}, {0.3530}));
  REQUIRE(test.size() == 10000);
  DataLoader loader(std::make_shared<MnistDataset>(test), {/*batch_size=*/1000});
  REQUIRE(loader.num_batches() == 10);
  Batch b;
  REQUIRE(loader.next(b));
  CHECK(b.input.shape() == Shape{1000, 1, 28, 28});
  CHECK(b.target.shape() == Shape{1000});
  CHECK(b.target.dtype() == kInt64);
  const double lo = (0.0 - 0.2860) / 0.3530, hi = (1.0 - 0.2860) / 0.3530;
  CHECK(nabla::min(b.input).item<float>() >= Approx(lo));
  CHECK(nabla::max(b.input).item<float>() <= Approx(hi));
  CHECK(nabla::min(b.target).item<int64_t>() >= 0);
  CHECK(nabla::max(b.target).item<int64_t>() <= 9);
}

// ---- transforms ------------------------------------------------------------------

TEST_CASE("transforms: flip, crop with padding, normalize, compose", "[data]") {
  Generator gen(1);
  Tensor img = arange(24.0).reshape({2, 3, 4});

  // Flip: p = 1 always mirrors W, p = 0 never.
  Tensor flipped = RandomHorizontalFlip(1.0)(img, gen);
  for (int64_t c = 0; c < 2; ++c)
    for (int64_t h = 0; h < 3; ++h)
      for (int64_t w = 0; w < 4; ++w) CHECK(flipped[c][h][w].item<float>() == img[c][h][3 - w].item<float>());
  CHECK(identical(RandomHorizontalFlip(0.0)(img, gen), img));

  // Crop: a 3x3 window of the zero-padded (pad 2) 7x8 image; the corner is
  // (floor(u0 * 5), floor(u1 * 6)) for the generator's first two uniforms.
  std::vector<bool> tops(5, false), lefts(6, false);
  for (uint64_t seed = 0; seed < 60; ++seed) {
    Generator g(seed), replay(seed);
    Tensor out = RandomCrop(3, 2)(img, g);
    REQUIRE(out.shape() == Shape{2, 3, 3});
    const auto top = static_cast<int64_t>(rand({}, replay, kFloat64).item<double>() * 5);
    const auto left = static_cast<int64_t>(rand({}, replay, kFloat64).item<double>() * 6);
    tops[static_cast<size_t>(top)] = lefts[static_cast<size_t>(left)] = true;
    for (int64_t c = 0; c < 2; ++c)
      for (int64_t i = 0; i < 3; ++i)
        for (int64_t j = 0; j < 3; ++j) {
          const int64_t h = top + i - 2, w = left + j - 2;
          const float expected = (h >= 0 && h < 3 && w >= 0 && w < 4) ? img[c][h][w].item<float>() : 0.0f;
          CHECK(out[c][i][j].item<float>() == expected);
        }
  }
  for (bool seen : tops) CHECK(seen);  // every corner is reachable
  for (bool seen : lefts) CHECK(seen);
  CHECK_THROWS_AS(RandomCrop(9, 1)(img, gen), nabla::Error);

  // Normalize per channel.
  Tensor norm = Normalize({1.0, 13.0}, {2.0, 4.0})(img, gen);
  CHECK(norm[0][1][2].item<float>() == Approx((6.0 - 1.0) / 2.0));
  CHECK(norm[1][2][3].item<float>() == Approx((23.0 - 13.0) / 4.0));
  CHECK_THROWS_AS(Normalize({0, 0, 0}, {1, 1, 1})(img, gen), nabla::Error);
  CHECK_THROWS_AS(Normalize({0}, {0}), nabla::Error);

  // Compose applies in order, drawing from one generator: the same as by hand.
  Generator a(5), b(5);
  Tensor composed = Compose({RandomCrop(3, 1), RandomHorizontalFlip(), Normalize({0.5}, {2.0})})(img, a);
  Tensor by_hand = Normalize({0.5}, {2.0})(RandomHorizontalFlip()(RandomCrop(3, 1)(img, b), b), b);
  CHECK(identical(composed, by_hand));
}

// ---- DataLoader ---------------------------------------------------------------------

TEST_CASE("DataLoader: batching, drop_last and the last partial batch", "[data]") {
  auto ds = image_dataset(10);
  for (bool prefetch : {false, true}) {
    DataLoader loader(ds, {/*batch_size=*/4, /*shuffle=*/false, /*drop_last=*/false, /*seed=*/0, prefetch});
    REQUIRE(loader.num_batches() == 3);
    std::vector<Batch> batches = run_epoch(loader);
    REQUIRE(batches.size() == 3);
    CHECK(batches[0].input.shape() == Shape{4, 1, 4, 4});
    CHECK(batches[2].input.shape() == Shape{2, 1, 4, 4});
    CHECK(identical(batches[2].target, tensor({8, 9}, kInt64)));
    CHECK(identical(batches[1].input, ds->inputs().narrow(0, 4, 4)));
    CHECK(loader.epoch() == 1);  // moved on after the end
    CHECK(loader.batch_index() == 0);

    DataLoader dropping(ds, {4, false, /*drop_last=*/true, 0, prefetch});
    REQUIRE(dropping.num_batches() == 2);
    CHECK(run_epoch(dropping).size() == 2);
  }
  CHECK_THROWS_AS(DataLoader(ds, {0}), nabla::Error);
}

TEST_CASE("DataLoader: shuffling is a pure function of (seed, epoch)", "[data]") {
  auto ds = image_dataset(50);
  DataLoader a(ds, {8, /*shuffle=*/true, false, /*seed=*/123});
  DataLoader b(ds, {8, true, false, 123});
  DataLoader other_seed(ds, {8, true, false, 124});
  std::vector<int64_t> o0 = a.order(0), o1 = a.order(1);
  std::vector<int64_t> sorted = o0;
  std::sort(sorted.begin(), sorted.end());
  for (int64_t i = 0; i < 50; ++i) CHECK(sorted[static_cast<size_t>(i)] == i);  // a permutation
  CHECK(o0 != o1);
  CHECK(o0 == b.order(0));
  CHECK(o0 != other_seed.order(0));
  // The batches follow the order; epoch by epoch, two loaders agree.
  for (int epoch = 0; epoch < 2; ++epoch) {
    std::vector<Batch> ba = run_epoch(a), bb = run_epoch(b);
    REQUIRE(ba.size() == bb.size());
    for (size_t i = 0; i < ba.size(); ++i) CHECK(identical(ba[i].target, bb[i].target));
    for (int64_t j = 0; j < 8; ++j) CHECK(ba[0].target[j].item<int64_t>() == a.order(epoch)[static_cast<size_t>(j)]);
  }
}

TEST_CASE("DataLoader: prefetch on and off give identical batches", "[data]") {
  auto ds = image_dataset(23, augment());
  DataLoader on(ds, {5, true, false, 9, /*prefetch=*/true});
  DataLoader off(ds, {5, true, false, 9, /*prefetch=*/false});
  for (int epoch = 0; epoch < 3; ++epoch) {
    std::vector<Batch> x = run_epoch(on), y = run_epoch(off);
    REQUIRE(x.size() == 5);
    REQUIRE(x.size() == y.size());
    for (size_t i = 0; i < x.size(); ++i) {
      CHECK(identical(x[i].input, y[i].input));
      CHECK(identical(x[i].target, y[i].target));
    }
  }
  // The transforms are random: epochs differ even for the same example.
  DataLoader fixed(ds, {23, false, false, 9});
  Batch e0, e1, end;
  REQUIRE(fixed.next(e0));
  REQUIRE_FALSE(fixed.next(end));
  REQUIRE(fixed.next(e1));
  CHECK_FALSE(identical(e0.input, e1.input));
}

TEST_CASE("DataLoader: restored mid-epoch it continues bit for bit", "[data]") {
  auto ds = image_dataset(27, augment());
  const DataLoaderOptions opts{4, /*shuffle=*/true, false, /*seed=*/77};
  // The uninterrupted run: epochs 0, 1, 2.
  std::vector<Batch> reference;
  {
    DataLoader loader(ds, opts);
    for (int e = 0; e < 3; ++e)
      for (const Batch& b : loader) reference.push_back(b);
  }
  REQUIRE(reference.size() == 21);

  for (bool prefetch : {true, false}) {
    for (int64_t k : {0, 3, 7}) {  // saved after k batches of epoch 1 (7 = its end)
      INFO("prefetch " << prefetch << ", k " << k);
      DataLoaderOptions o = opts;
      o.prefetch = prefetch;
      StateDict saved;
      {
        DataLoader first(ds, o);
        run_epoch(first);
        Batch b;
        for (int64_t i = 0; i < k; ++i) REQUIRE(first.next(b));
        saved = first.state_dict();
        first.next(b);  // moves on (the prefetch thread runs ahead); the destructor stops it
      }
      CHECK(saved.at("epoch").item<int64_t>() == 1);
      CHECK(saved.at("batch").item<int64_t>() == k);
      CHECK(saved.at("seed").item<int64_t>() == 77);

      DataLoader resumed(ds, {4, true, false, /*seed=*/0, prefetch});  // the seed comes from the state
      resumed.load_state_dict(saved);
      std::vector<Batch> rest;
      while (resumed.epoch() < 3)
        for (const Batch& b : resumed) rest.push_back(b);
      REQUIRE(rest.size() == 21 - 7 - static_cast<size_t>(k));
      for (size_t i = 0; i < rest.size(); ++i) {
        CHECK(identical(rest[i].input, reference[7 + static_cast<size_t>(k) + i].input));
        CHECK(identical(rest[i].target, reference[7 + static_cast<size_t>(k) + i].target));
      }
    }
  }

  DataLoader loader(ds, opts);
  StateDict bad = loader.state_dict();
  bad.insert("batch", scalar_tensor(99, kInt64));
  CHECK_THAT(error_of([&] { loader.load_state_dict(bad); }), Contains("out of range"));
  CHECK_THROWS_AS(loader.load_state_dict(StateDict()), nabla::Error);
}

namespace {
// Throws on one index, to check how errors cross the prefetch thread.
class Faulty : public Dataset {
 public:
  int64_t size() const override { return 12; }
  Example get(int64_t index) const override {
    NABLA_CHECK(index != 9, "Faulty", "example ", index, " is unreadable");
    return {full({2}, static_cast<double>(index)), scalar_tensor(static_cast<double>(index), kInt64)};
  }
};
}  // namespace

TEST_CASE("DataLoader: an error while building a batch reaches the consumer", "[data]") {
  for (bool prefetch : {true, false}) {
    INFO("prefetch " << prefetch);
    DataLoader loader(std::make_shared<Faulty>(), {3, false, false, 0, prefetch});
    Batch b;
    for (int i = 0; i < 3; ++i) REQUIRE(loader.next(b));  // examples 0..8 are fine
    CHECK_THAT(error_of([&] { loader.next(b); }), Contains("example 9 is unreadable"));
    CHECK(loader.batch_index() == 3);  // it stays at the failing batch
    CHECK_THROWS_AS(loader.next(b), nabla::Error);
    loader.start_epoch(0);  // and can start over
    REQUIRE(loader.next(b));
    CHECK(identical(b.target, tensor({0, 1, 2}, kInt64)));
  }
}

TEST_CASE("DataLoader: a custom collate function", "[data]") {
  auto ds = image_dataset(6);
  // Flattens each batch to [B, 16] and keeps the targets as float32.
  Collate flat = [](const std::vector<Example>& examples) {
    Batch b = default_collate(examples);
    return Batch{b.input.reshape({b.input.size(0), 16}), b.target.to(kFloat32)};
  };
  DataLoader loader(ds, {4}, flat);
  std::vector<Batch> batches = run_epoch(loader);
  REQUIRE(batches.size() == 2);
  CHECK(batches[0].input.shape() == Shape{4, 16});
  CHECK(identical(batches[1].target, tensor({4.0, 5.0})));
}
