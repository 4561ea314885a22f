import ImageLs from './image/ls.js'

export default class Images extends ImageLs {
  static description = 'List images (same as image ls)'
  static aliases = []
  static examples = ['<%= config.bin %> images', '<%= config.bin %> images -q', '<%= config.bin %> images --format json']
}
