"""The one error a bad release raises: where it is, what is wrong, what to do."""


class ReleaseError(Exception):
    """A problem with the input data, reported to the journalist without a traceback."""

    def __init__(self, file, problem, fix, line=None, column=None):
        self.file, self.problem, self.fix = str(file), problem, fix
        self.line, self.column = line, column
        super().__init__(str(self))

    def __str__(self):
        where = self.file
        if self.line is not None:
            where += f", line {self.line}"
        if self.column is not None:
            where += f", column {self.column!r}"
        return f"{where}: {self.problem}\n  What to do: {self.fix}"
