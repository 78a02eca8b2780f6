// libtorch's global RNG (dropout, manual_seed) is process-wide: tests that train must not interleave,
// or "same seed → same losses" would fail for reasons users never see. Two cores gain little anyway.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

// Every synchronous test runs inside a tensor dispose scope (see TensorScopePerTestAttribute for why).
[assembly: BertNer.Tests.Support.TensorScopePerTest]
