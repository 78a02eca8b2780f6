using TorchSharp;

namespace BertNer.Runtime;

/// <summary>
/// Scalars that live for the whole process. TorchSharp makes a native Scalar for every number passed to an op
/// (an implicit double → Scalar conversion, or the hidden alpha of <c>add(tensor)</c>, <c>x + y</c>,
/// <c>x + 1.0</c>, <c>arange(n)</c>), and frees it in a finalizer; unlike tensors, Scalars join no dispose scope.
/// Once the call has read the handle nothing references the wrapper, so a garbage collection started by another
/// thread can free the native Scalar while libtorch still reads it (seen as "Expected false to be true" from
/// c10::Scalar::toDouble). Hot paths pass these, or <c>using Scalar</c> locals, instead.
/// </summary>
public static class KeptScalars
{
    public static readonly Scalar Zero = 0;
    public static readonly Scalar One = 1;
}
