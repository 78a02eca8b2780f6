using System.Reflection;
using TorchSharp;
using Xunit.Sdk;
using static TorchSharp.torch;

namespace BertNer.Tests.Support;

/// <summary>
/// Runs every test inside a TorchSharp dispose scope on the test's thread. TorchSharp frees a tensor's native
/// memory in the wrapper's finalizer, and a wrapper that nothing references any more (the <c>isfinite()</c> in
/// <c>t.isfinite().all()</c>) can be finalized while libtorch is still working on it if a garbage collection
/// runs on another thread meanwhile (xunit's reporting threads do allocate): a use-after-free that crashed the
/// test host in 3 of about 21 suite runs. A tensor created inside a scope is referenced by the scope until the
/// test ends, so test code may chain calls freely. Numbers passed to ops become native Scalars, which join no
/// scope (KeptScalars); tests do little such arithmetic. Engine code opens its own scopes and keeps its Scalars,
/// and does not rely on this one (GcPressureTests checks that).
/// </summary>
[AttributeUsage(AttributeTargets.Assembly | AttributeTargets.Class | AttributeTargets.Method)]
public sealed class TensorScopePerTestAttribute : BeforeAfterTestAttribute
{
    [ThreadStatic] private static Stack<DisposeScope>? _open;

    public override void Before(MethodInfo methodUnderTest)
    {
        if (IsAsync(methodUnderTest)) return;
        (_open ??= new()).Push(NewDisposeScope());
    }

    public override void After(MethodInfo methodUnderTest)
    {
        if (IsAsync(methodUnderTest)) return;
        // xunit runs Before, a synchronous test and After on one thread; the scope is thread-bound, so say so if not.
        if (_open is not { Count: > 0 })
            throw new InvalidOperationException($"{methodUnderTest.Name}: the test ended on another thread than it began on, so its tensor scope cannot be closed.");
        _open.Pop().Dispose();
    }

    // An async test may end on another thread, where this thread's scope cannot be closed; those (the hub's
    // download tests) do no tensor work of their own.
    private static bool IsAsync(MethodInfo m) => typeof(Task).IsAssignableFrom(m.ReturnType);
}
