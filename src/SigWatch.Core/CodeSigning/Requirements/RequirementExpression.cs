namespace SigWatch.Core.CodeSigning.Requirements;

/// <summary>
/// A node of a requirement expression tree. One subtype per opcode family of Security <c>requirement.h</c>;
/// <c>and</c>/<c>or</c> stay binary so that the exact nesting of a program (and thus its bytes) is preserved.
/// Records compare structurally, so two trees are equal exactly when they encode to the same program.
/// </summary>
public abstract record RequirementExpression
{
    /// <summary>The canonical text of this expression, as <c>codesign -d -r-</c> prints it (reqdumper.cpp).</summary>
    public sealed override string ToString() => RequirementTextWriter.Write(this, RequirementTextStyle.Canonical);
}

/// <summary><c>always</c> (opTrue) or <c>never</c> (opFalse).</summary>
public sealed record ConstantExpression(bool Value) : RequirementExpression;

/// <summary><c>a and b</c> (opAnd).</summary>
public sealed record AndExpression(RequirementExpression Left, RequirementExpression Right) : RequirementExpression;

/// <summary><c>a or b</c> (opOr).</summary>
public sealed record OrExpression(RequirementExpression Left, RequirementExpression Right) : RequirementExpression;

/// <summary><c>! a</c> (opNot).</summary>
public sealed record NotExpression(RequirementExpression Operand) : RequirementExpression;

/// <summary><c>identifier "x"</c> (opIdent): equals the CodeDirectory identifier.</summary>
public sealed record IdentifierExpression(RequirementData Identifier) : RequirementExpression;

/// <summary><c>anchor apple</c> (opAppleAnchor).</summary>
public sealed record AppleAnchorExpression : RequirementExpression;

/// <summary><c>anchor apple generic</c> (opAppleGenericAnchor).</summary>
public sealed record AppleGenericAnchorExpression : RequirementExpression;

/// <summary><c>anchor apple NAME</c> (opNamedAnchor): a named anchor shipped inside Security.framework.</summary>
public sealed record NamedAnchorExpression(RequirementData Name) : RequirementExpression;

/// <summary><c>(NAME)</c> (opNamedCode): a named sub-requirement shipped inside Security.framework.</summary>
public sealed record NamedCodeExpression(RequirementData Name) : RequirementExpression;

/// <summary><c>certificate SLOT = H"sha1"</c> (opAnchorHash): SHA-1 of the certificate's DER.</summary>
public sealed record CertificateHashExpression(int Slot, RequirementData Hash) : RequirementExpression;

/// <summary><c>anchor trusted</c> (opTrustedCerts).</summary>
public sealed record TrustedCertificatesExpression : RequirementExpression;

/// <summary><c>certificate SLOT trusted</c> (opTrustedCert).</summary>
public sealed record TrustedCertificateExpression(int Slot) : RequirementExpression;

/// <summary><c>cdhash H"…"</c> (opCDHash).</summary>
public sealed record CdHashExpression(RequirementData Hash) : RequirementExpression;

/// <summary><c>platform = N</c> (opPlatform).</summary>
public sealed record PlatformExpression(int Platform) : RequirementExpression;

/// <summary><c>notarized</c> (opNotarized).</summary>
public sealed record NotarizedExpression : RequirementExpression;

/// <summary><c>legacy</c> (opLegacyDevID).</summary>
public sealed record LegacyDeveloperIdExpression : RequirementExpression;

/// <summary>
/// Legacy <c>info[key] = value</c> (opInfoKeyValue). The parser never produces it (it emits
/// <see cref="InfoExpression"/> with <see cref="MatchOperation.Equal"/>), so its text does not round-trip to the same bytes.
/// </summary>
public sealed record LegacyInfoExpression(RequirementData Key, RequirementData Value) : RequirementExpression;

/// <summary><c>info[key] MATCH</c> (opInfoKeyField): a value of the bound Info.plist.</summary>
public sealed record InfoExpression(RequirementData Key, RequirementMatch Match) : RequirementExpression;

/// <summary><c>entitlement[key] MATCH</c> (opEntitlementField).</summary>
public sealed record EntitlementExpression(RequirementData Key, RequirementMatch Match) : RequirementExpression;

/// <summary>Which certificate opcode a <see cref="CertificateFieldExpression"/> stands for.</summary>
public enum CertificateFieldKind
{
    /// <summary><c>[subject.X]</c> or <c>[email]</c> (opCertField); the key is the text after <c>[</c>.</summary>
    Subject,

    /// <summary><c>[field.OID]</c> (opCertGeneric): extension present; the key is the OID's DER content bytes.</summary>
    Extension,

    /// <summary><c>[policy.OID]</c> (opCertPolicy): certificate policy present; key = OID content bytes.</summary>
    Policy,

    /// <summary><c>[timestamp.OID]</c> (opCertFieldDate): extension value as a date; key = OID content bytes.</summary>
    Date,
}

/// <summary><c>certificate SLOT[key] MATCH</c> for the four certificate-field opcodes.</summary>
public sealed record CertificateFieldExpression(
    CertificateFieldKind Kind, int Slot, RequirementData Key, RequirementMatch Match) : RequirementExpression;

/// <summary>
/// An opcode this version does not know but that carries the generic flags (requirement.h <c>opGenericFalse</c> /
/// <c>opGenericSkip</c>): a u32 size and that many bytes. With <c>opGenericSkip</c> the next expression
/// (<see cref="Next"/>) is evaluated in its place; with <c>opGenericFalse</c> the result is false.
/// </summary>
public sealed record UnknownOperationExpression(uint Opcode, RequirementData Payload, RequirementExpression? Next)
    : RequirementExpression
{
    public bool IsSkip => (Opcode & (uint)RequirementOpcodeFlags.GenericFalse) == 0;
}

/// <summary>
/// The match suffix of a keyed expression (reqinterp.cpp <c>Match</c>). <see cref="Value"/> is set for the string
/// operations, <see cref="Timestamp"/> (whole seconds since 2001-01-01Z, CFAbsoluteTime) for the date operations.
/// An unknown operation keeps its one data operand in <see cref="Value"/> and never matches.
/// </summary>
public sealed record RequirementMatch(MatchOperation Operation, RequirementData? Value = null, long? Timestamp = null)
{
    public static RequirementMatch Exists { get; } = new(MatchOperation.Exists);

    public static RequirementMatch Absent { get; } = new(MatchOperation.Absent);

    public static RequirementMatch EqualTo(string value) => new(MatchOperation.Equal, RequirementData.FromString(value));

    /// <summary>True for the operations that carry an int64 date operand (matchOn…matchOnOrAfter).</summary>
    public static bool IsDateOperation(MatchOperation op) => op is >= MatchOperation.On and <= MatchOperation.OnOrAfter;

    /// <summary>True for the operations that carry one data operand (matchEqual…matchGreaterEqual).</summary>
    public static bool IsValueOperation(MatchOperation op) => op is >= MatchOperation.Equal and <= MatchOperation.GreaterEqual;

    /// <summary>True for operations this version knows.</summary>
    public static bool IsKnown(MatchOperation op) => op <= MatchOperation.Absent;
}
