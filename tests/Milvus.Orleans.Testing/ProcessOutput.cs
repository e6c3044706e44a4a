using System.Diagnostics;
using System.Text;

namespace Milvus.Orleans.Testing;

/// <summary>Drains a process' stdout and stderr (so a full pipe never blocks it) and keeps the last of them.</summary>
internal sealed class ProcessOutput
{
    private const int Keep = 4000;
    private readonly StringBuilder _text = new();

    public ProcessOutput(Process process)
    {
        process.OutputDataReceived += (_, line) => Append(line.Data);
        process.ErrorDataReceived += (_, line) => Append(line.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public override string ToString()
    {
        lock (_text)
        {
            return _text.Length == 0 ? "(none)" : _text.ToString();
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_text)
        {
            _text.AppendLine(line);
            if (_text.Length > Keep)
            {
                _text.Remove(0, _text.Length - Keep);
            }
        }
    }
}
