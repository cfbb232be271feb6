namespace SigWatch.Core.Verification;

/// <summary>
/// Supplies the special-slot components that live outside the signature: the Info.plist (slot 1) and
/// <c>_CodeSignature/CodeResources</c> (slot 3). A bundle verifier implements it with the bundle's files; a bare
/// Mach-O uses <see cref="BareMachOSlotSource"/>, which cannot supply CodeResources.
/// </summary>
public interface ISpecialSlotSource
{
    SpecialSlotContent GetComponent(uint slot);
}

/// <summary>Whether a component could be obtained, and its exact bytes when it could.</summary>
public readonly record struct SpecialSlotContent(SpecialSlotAvailability Availability, ReadOnlyMemory<byte> Bytes, string? Source = null)
{
    public static SpecialSlotContent Present(ReadOnlyMemory<byte> bytes, string source) => new(SpecialSlotAvailability.Present, bytes, source);

    /// <summary>The context knows where the component should be and it is not there (a failure when the slot is bound).</summary>
    public static SpecialSlotContent Missing(string source) => new(SpecialSlotAvailability.Missing, default, source);

    /// <summary>This context cannot know the component (a bound slot is then "unchecked", never valid).</summary>
    public static SpecialSlotContent Unavailable(string reason) => new(SpecialSlotAvailability.Unavailable, default, reason);
}

public enum SpecialSlotAvailability
{
    Present,
    Missing,
    Unavailable,
}

/// <summary>
/// The context for a Mach-O checked on its own: Info.plist comes from the <c>__TEXT,__info_plist</c> section when
/// there is one (reference §5); CodeResources cannot be known.
/// </summary>
public sealed class BareMachOSlotSource(ReadOnlyMemory<byte>? embeddedInfoPlist) : ISpecialSlotSource
{
    public SpecialSlotContent GetComponent(uint slot) => slot switch
    {
        CodeSigning.CodeSigningSlot.InfoPlist when embeddedInfoPlist is { } plist => SpecialSlotContent.Present(plist, "__TEXT,__info_plist"),
        CodeSigning.CodeSigningSlot.InfoPlist => SpecialSlotContent.Unavailable("a bare Mach-O without __TEXT,__info_plist; check the enclosing bundle"),
        CodeSigning.CodeSigningSlot.ResourceDirectory => SpecialSlotContent.Unavailable("a bare Mach-O has no _CodeSignature/CodeResources; check the enclosing bundle"),
        _ => SpecialSlotContent.Unavailable("not supplied by this context"),
    };
}
