using System.Globalization;

namespace SigWatch.Platform.Darwin;

/// <summary>
/// A Security-framework call failed for a reason that is not a verdict about code (a requirement that does not
/// parse, a process that is gone, bad arguments). <see cref="UserInfo"/> is the CFError's user info as .NET values.
/// </summary>
public sealed class SecurityFrameworkException : Exception
{
    public SecurityFrameworkException(int status, string? description, IReadOnlyDictionary<string, object?>? userInfo)
        : base(Format(status, description))
    {
        Status = status;
        UserInfo = userInfo ?? new Dictionary<string, object?>();
    }

    public SecurityFrameworkException()
        : this(0, null, null)
    {
    }

    public SecurityFrameworkException(string message)
        : base(message) => UserInfo = new Dictionary<string, object?>();

    public SecurityFrameworkException(string message, Exception innerException)
        : base(message, innerException) => UserInfo = new Dictionary<string, object?>();

    public int Status { get; }

    public string StatusName => CodeSigningStatus.Name(Status);

    public IReadOnlyDictionary<string, object?> UserInfo { get; }

    private static string Format(int status, string? description)
    {
        var name = CodeSigningStatus.Name(status);
        var code = status.ToString(CultureInfo.InvariantCulture);
        return description is null ? $"{name} ({code})" : $"{name} ({code}): {description}";
    }
}
