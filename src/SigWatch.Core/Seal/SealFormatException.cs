namespace SigWatch.Core.Seal;

/// <summary>Why a <c>_CodeSignature/CodeResources</c> file cannot be used (SEC errSecCSResourcesInvalid -67055, errSecCSResourceRulesInvalid -67053).</summary>
public enum SealFormatReason
{
    /// <summary>The bytes are not a property list.</summary>
    NotAPropertyList,

    /// <summary>The top level is not a dictionary.</summary>
    NotADictionary,

    /// <summary>Neither <c>files2</c> nor <c>files</c> is a dictionary.</summary>
    NoFileDictionary,

    /// <summary><c>rules2</c>/<c>rules</c> is missing or not a dictionary.</summary>
    NoRuleDictionary,

    /// <summary>A rule value is neither a boolean nor a dictionary, or its pattern does not compile.</summary>
    InvalidRule,

    /// <summary>A file entry has none of the known forms (data, hash dictionary, symlink, nested code).</summary>
    InvalidEntry,
}

/// <summary>A CodeResources file that cannot be used as a seal, with the typed reason.</summary>
public sealed class SealFormatException(SealFormatReason reason, string message) : Exception(message)
{
    public SealFormatReason Reason { get; } = reason;
}
