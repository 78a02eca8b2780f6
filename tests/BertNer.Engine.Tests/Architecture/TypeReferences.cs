using System.Collections.Immutable;
using System.Reflection;
using System.Reflection.Emit;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

namespace BertNer.Tests.Architecture;

/// <summary>
/// Which of an assembly's own types each of its types uses, read from the compiled metadata: base types,
/// interfaces, generic constraints, attributes, field/method/property/event signatures, and every type, method
/// and field token in method bodies (calls, casts, locals, typeof, generic arguments). Compiler-generated nested
/// types (lambdas, async state machines, iterators) count for the type that declares them.
/// </summary>
public static class TypeReferences
{
    /// <summary>Top-level type full name → full names of the other top-level types of the same assembly it references.</summary>
    public static IReadOnlyDictionary<string, SortedSet<string>> Read(string assemblyPath)
    {
        using var pe = new PEReader(File.OpenRead(assemblyPath));
        var md = pe.GetMetadataReader();
        var provider = new OwnTypeProvider(md);
        var result = new Dictionary<string, SortedSet<string>>();

        foreach (var handle in md.TypeDefinitions)
        {
            var owner = provider.TopLevelName(handle);
            if (owner == "<Module>") continue;
            if (!result.TryGetValue(owner, out var used)) result[owner] = used = new SortedSet<string>(StringComparer.Ordinal);
            var scan = new Scan(md, pe, provider, used);
            scan.Type(handle);
            used.Remove(owner);
            used.Remove("<Module>");
        }
        return result;
    }

    private sealed class Scan(MetadataReader md, PEReader pe, OwnTypeProvider provider, SortedSet<string> used)
    {
        private static readonly Dictionary<short, OperandType> Operands = typeof(OpCodes)
            .GetFields(BindingFlags.Public | BindingFlags.Static)
            .Select(f => (OpCode)f.GetValue(null)!)
            .ToDictionary(o => o.Value, o => o.OperandType);

        private void Add(ImmutableArray<string> names) { foreach (var n in names) used.Add(n); }

        private void Handle(EntityHandle h)
        {
            if (h.IsNil) return;
            switch (h.Kind)
            {
                case HandleKind.TypeDefinition:
                case HandleKind.TypeReference:
                case HandleKind.TypeSpecification:
                    Add(provider.FromHandle(h));
                    break;
                case HandleKind.MethodDefinition:
                {
                    var m = md.GetMethodDefinition((MethodDefinitionHandle)h);
                    Add(provider.FromHandle(m.GetDeclaringType()));
                    Add(Flatten(m.DecodeSignature(provider, null)));
                    break;
                }
                case HandleKind.FieldDefinition:
                {
                    var f = md.GetFieldDefinition((FieldDefinitionHandle)h);
                    Add(provider.FromHandle(f.GetDeclaringType()));
                    Add(f.DecodeSignature(provider, null));
                    break;
                }
                case HandleKind.MemberReference:
                {
                    var r = md.GetMemberReference((MemberReferenceHandle)h);
                    Handle(r.Parent);
                    if (r.GetKind() == MemberReferenceKind.Method) Add(Flatten(r.DecodeMethodSignature(provider, null)));
                    else Add(r.DecodeFieldSignature(provider, null));
                    break;
                }
                case HandleKind.MethodSpecification:
                {
                    var s = md.GetMethodSpecification((MethodSpecificationHandle)h);
                    Handle(s.Method);
                    foreach (var a in s.DecodeSignature(provider, null)) Add(a);
                    break;
                }
                case HandleKind.StandaloneSignature:
                {
                    var s = md.GetStandaloneSignature((StandaloneSignatureHandle)h);
                    if (s.GetKind() == StandaloneSignatureKind.LocalVariables)
                        foreach (var l in s.DecodeLocalSignature(provider, null)) Add(l);
                    else Add(Flatten(s.DecodeMethodSignature(provider, null)));
                    break;
                }
            }
        }

        private static ImmutableArray<string> Flatten(MethodSignature<ImmutableArray<string>> s) =>
            s.ParameterTypes.Aggregate(s.ReturnType, (all, p) => all.AddRange(p));

        private void Attributes(CustomAttributeHandleCollection attributes)
        {
            foreach (var a in attributes) Handle(md.GetCustomAttribute(a).Constructor);
        }

        private void GenericParameters(GenericParameterHandleCollection parameters)
        {
            foreach (var p in parameters)
                foreach (var c in md.GetGenericParameter(p).GetConstraints())
                    Handle(md.GetGenericParameterConstraint(c).Type);
        }

        public void Type(TypeDefinitionHandle handle)
        {
            var t = md.GetTypeDefinition(handle);
            Handle(t.BaseType);
            foreach (var i in t.GetInterfaceImplementations()) Handle(md.GetInterfaceImplementation(i).Interface);
            Attributes(t.GetCustomAttributes());
            GenericParameters(t.GetGenericParameters());
            foreach (var f in t.GetFields())
            {
                var field = md.GetFieldDefinition(f);
                Add(field.DecodeSignature(provider, null));
                Attributes(field.GetCustomAttributes());
            }
            foreach (var p in t.GetProperties())
            {
                var property = md.GetPropertyDefinition(p);
                Add(Flatten(property.DecodeSignature(provider, null)));
                Attributes(property.GetCustomAttributes());
            }
            foreach (var e in t.GetEvents()) Handle(md.GetEventDefinition(e).Type);
            foreach (var m in t.GetMethods()) Method(m);
        }

        private void Method(MethodDefinitionHandle handle)
        {
            var m = md.GetMethodDefinition(handle);
            Add(Flatten(m.DecodeSignature(provider, null)));
            Attributes(m.GetCustomAttributes());
            GenericParameters(m.GetGenericParameters());
            foreach (var p in m.GetParameters()) Attributes(md.GetParameter(p).GetCustomAttributes());
            if (m.RelativeVirtualAddress == 0) return;
            var body = pe.GetMethodBody(m.RelativeVirtualAddress);
            if (!body.LocalSignature.IsNil) Handle(body.LocalSignature);
            foreach (var region in body.ExceptionRegions) Handle(region.CatchType);
            try { Il(body.GetILReader()); }
            catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException)
            {
                var declaring = md.GetTypeDefinition(m.GetDeclaringType());
                throw new InvalidOperationException($"Cannot read the IL of {md.GetString(declaring.Namespace)}.{md.GetString(declaring.Name)}.{md.GetString(m.Name)}: {e.Message}", e);
            }
        }

        private void Il(BlobReader il)
        {
            while (il.RemainingBytes > 0)
            {
                short code = il.ReadByte();
                if (code == 0xFE) code = unchecked((short)(0xFE00 | il.ReadByte()));
                switch (Operands[code])
                {
                    case OperandType.InlineNone: break;
                    case OperandType.ShortInlineBrTarget:
                    case OperandType.ShortInlineI:
                    case OperandType.ShortInlineVar: il.Offset += 1; break;
                    case OperandType.InlineVar: il.Offset += 2; break;
                    case OperandType.InlineBrTarget:
                    case OperandType.InlineI:
                    case OperandType.ShortInlineR:
                    case OperandType.InlineString: il.Offset += 4; break;
                    case OperandType.InlineI8:
                    case OperandType.InlineR: il.Offset += 8; break;
                    case OperandType.InlineSwitch: { int targets = il.ReadInt32(); il.Offset += 4 * targets; break; } // not `Offset += 4 * Read…`: that reads Offset before the count is consumed
                    case OperandType.InlineField:
                    case OperandType.InlineMethod:
                    case OperandType.InlineTok:
                    case OperandType.InlineType:
                    case OperandType.InlineSig:
                        Handle(MetadataTokens.EntityHandle(il.ReadInt32()));
                        break;
                    default: throw new InvalidOperationException($"IL operand type {Operands[code]} is not handled.");
                }
            }
        }
    }

    /// <summary>Decodes signatures into the full names of the assembly's own top-level types they mention.</summary>
    private sealed class OwnTypeProvider(MetadataReader md) : ISignatureTypeProvider<ImmutableArray<string>, object?>
    {
        private static readonly ImmutableArray<string> None = ImmutableArray<string>.Empty;

        public string TopLevelName(TypeDefinitionHandle handle)
        {
            var t = md.GetTypeDefinition(handle);
            while (t.IsNested) t = md.GetTypeDefinition(t.GetDeclaringType());
            var ns = md.GetString(t.Namespace);
            var name = md.GetString(t.Name);
            return ns.Length == 0 ? name : ns + "." + name;
        }

        public ImmutableArray<string> FromHandle(EntityHandle h) => h.Kind switch
        {
            HandleKind.TypeDefinition => [TopLevelName((TypeDefinitionHandle)h)],
            HandleKind.TypeSpecification => md.GetTypeSpecification((TypeSpecificationHandle)h).DecodeSignature(this, null),
            _ => None,
        };

        public ImmutableArray<string> GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind) => [TopLevelName(handle)];
        public ImmutableArray<string> GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind) => None;
        public ImmutableArray<string> GetTypeFromSpecification(MetadataReader reader, object? context, TypeSpecificationHandle handle, byte rawTypeKind) =>
            reader.GetTypeSpecification(handle).DecodeSignature(this, context);
        public ImmutableArray<string> GetPrimitiveType(PrimitiveTypeCode typeCode) => None;
        public ImmutableArray<string> GetSZArrayType(ImmutableArray<string> elementType) => elementType;
        public ImmutableArray<string> GetArrayType(ImmutableArray<string> elementType, ArrayShape shape) => elementType;
        public ImmutableArray<string> GetByReferenceType(ImmutableArray<string> elementType) => elementType;
        public ImmutableArray<string> GetPointerType(ImmutableArray<string> elementType) => elementType;
        public ImmutableArray<string> GetPinnedType(ImmutableArray<string> elementType) => elementType;
        public ImmutableArray<string> GetGenericInstantiation(ImmutableArray<string> genericType, ImmutableArray<ImmutableArray<string>> typeArguments) =>
            typeArguments.Aggregate(genericType, (all, a) => all.AddRange(a));
        public ImmutableArray<string> GetGenericTypeParameter(object? context, int index) => None;
        public ImmutableArray<string> GetGenericMethodParameter(object? context, int index) => None;
        public ImmutableArray<string> GetFunctionPointerType(MethodSignature<ImmutableArray<string>> signature) =>
            signature.ParameterTypes.Aggregate(signature.ReturnType, (all, p) => all.AddRange(p));
        public ImmutableArray<string> GetModifiedType(ImmutableArray<string> modifier, ImmutableArray<string> unmodifiedType, bool isRequired) =>
            unmodifiedType.AddRange(modifier);
    }
}
