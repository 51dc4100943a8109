// The runtime's two integer hashes: one to mix a value into all 64 bits, one to index a power-of-two
// table by a single multiply on the hot path.
#pragma once

#include <cstddef>
#include <cstdint>

namespace gridlock {

/// Mixes an integer into a well-spread 64-bit hash (splitmix64's finalizer).
constexpr std::uint64_t mix64(std::uint64_t x) noexcept {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

/// An index in [0, 2^bits) for `x` (bits in 1..63): Fibonacci hashing, one multiply whose top bits
/// depend on every bit of `x`, so strided keys (an array of mutexes) spread evenly.
constexpr std::size_t fibonacci_index(std::uint64_t x, unsigned bits) noexcept {
  return static_cast<std::size_t>((x * 0x9e3779b97f4a7c15ull) >> (64 - bits));
}

}  // namespace gridlock
