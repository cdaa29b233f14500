// The `helpPanel` component: the keyboard shortcuts, opened with `?` or the top bar's ? button.

export const helpPanel = () => ({
  show() {
    this.$refs.dialog.showModal()
  },
  close() {
    this.$refs.dialog.close()
  },
})
